import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { createLogger } from "../../src/obs/index.js";
import { formatUpgradeReport, inspectState, MigrationCatalog, rehearseUpgrade, StateError, type MigrationDefinition, type UpgradeReport } from "../../src/state/index.js";
import { SourceSnapshot } from "../../src/state/rehearsal/source-snapshot.js";
import { tempDir } from "../support/temp-dir.js";
import { corruptPageOf, overwrite } from "./support/corrupt.js";
import { copyFixture, fixtureWithCommitsInWal, sha256File, siblings } from "./support/files.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

function status(report: UpgradeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

describe("upgrade rehearsal (dry run)", () => {
  test("0.1.0 -> 0.3.0: every check passes on the copy, 0.1.0 is refused as designed, the original is not written", async () => {
    const dir = tempDir();
    const work = tempDir();
    const path = copyFixture(1, dir);
    const hash = sha256File(path);
    const files = siblings(path);
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: work });
    expect(report.verdict).toBe("ok");
    expect(status(report)).toEqual({
      source: "ok",
      copy: "ok",
      preflight: "ok",
      "up:0002_level2_dual_path": "ok",
      "up:0003_level3_codex_first": "ok",
      commit: "ok",
      rows: "ok",
      integrity: "ok",
      "foreign-keys": "ok",
      schema: "ok",
      "refused:0.1.0": "ok",
      "queries:0.2.0": "ok",
      "queries:0.3.0": "ok",
      rollback: "ok",
      "down:0003_level3_codex_first": "ok",
      "down:0002_level2_dual_path": "ok",
      "down-commit": "ok",
      "down-data": "ok",
    });
    // The lines come in the order things happen to the file, whatever ran on which core.
    expect(report.checks.map((c) => c.id)).toEqual([
      "source",
      "copy",
      "preflight",
      "up:0002_level2_dual_path",
      "up:0003_level3_codex_first",
      "commit",
      "rows",
      "integrity",
      "foreign-keys",
      "schema",
      "refused:0.1.0",
      "queries:0.2.0",
      "queries:0.3.0",
      "rollback",
      "down:0003_level3_codex_first",
      "down:0002_level2_dual_path",
      "down-commit",
      "down-data",
    ]);
    expect(report.checks.find((c) => c.id === "preflight")?.detail).toMatch(/^of the copy as it was, on a second core while the migrations ran; the commit waited \d+ ms for it$/);
    expect(report.migrations.map((m) => m.name)).toEqual(["0002_level2_dual_path", "0003_level3_codex_first"]);
    expect(report.migrations.every((m) => m.durationMs >= 0)).toBe(true);
    const attachments = report.tables.find((t) => t.table === "inline_attachments");
    expect(attachments).toEqual({ table: "inline_attachments", before: 218, after: 218, afterDown: 218 });
    expect(report.tables.find((t) => t.table === "_retired_inline_attachment_thumbnails")).toMatchObject({ before: null, after: 73, afterDown: null });
    expect(report.applied).toEqual([]);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
    expect(readdirSync(work)).toEqual([]);
    const text = formatUpgradeReport(report);
    expect(text).toMatch(/^release 0\.1\.0 refuses the upgraded file\.+ ok /m);
    expect(text).toMatch(/^Verdict: OK: upgrade 0\.1\.0 -> 0\.3\.0 is safe to run; the original file was not written$/m);
  });

  test("0.1.0 -> 0.2.0: the older release's own queries still run on the upgraded copy", async () => {
    const path = copyFixture(1, tempDir());
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", workDir: tempDir() });
    expect(report.verdict).toBe("ok");
    expect(status(report)).toMatchObject({ "queries:0.1.0": "ok", "queries:0.2.0": "ok", "down-data": "ok" });
    expect(report.checks.find((c) => c.id === "queries:0.1.0")?.detail).toBe("5 checks");
  });

  test("without dry run the real file is upgraded after the checks pass", async () => {
    const path = copyFixture(2, tempDir());
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", dryRun: false, workDir: tempDir() });
    expect(report.verdict).toBe("ok");
    expect(report.applied.map((a) => a.name)).toEqual(["0003_level3_codex_first"]);
    expect(status(report)["apply"]).toBe("ok");
    expect(inspectState(path)).toMatchObject({ level: 3, compatLevel: 2, problem: undefined });
  });

  test("a migration that rewrites data is caught by the down check, and the real file is left alone", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const rewriting = new MigrationCatalog([m1, { ...m2, up: [...m2.up, "UPDATE peers SET seen_at = seen_at + 1"] }, m3]);
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", dryRun: false, catalog: rewriting, workDir: tempDir() });
    expect(report.verdict).toBe("failed");
    const down = report.checks.find((c) => c.id === "down-data");
    expect(down?.status).toBe("failed");
    expect(down?.detail).toMatch(/^peers: 0 missing, \d+ changed, 0 extra$/);
    expect(report.applied).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });

  test("a migration that deletes rows fails the row count check", async () => {
    const path = copyFixture(1, tempDir());
    const deleting = new MigrationCatalog([m1, { ...m2, up: [...m2.up, "DELETE FROM segments WHERE idx = 0"] }, m3]);
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", catalog: deleting, workDir: tempDir() });
    expect(status(report)["rows"]).toBe("failed");
    expect(report.checks.find((c) => c.id === "rows")?.detail).toMatch(/^segments 72 -> 54$/);
  });

  test("a failing migration fails the rehearsal and names it", async () => {
    const path = copyFixture(1, tempDir());
    const broken = new MigrationCatalog([m1, { ...m2, up: [...m2.up, "INSERT INTO settings (key, value) SELECT 'k', 'v' FROM peers"] }, m3]);
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", catalog: broken, workDir: tempDir() });
    expect(report.verdict).toBe("failed");
    expect(report.checks.find((c) => c.id === "up")?.detail).toMatch(/^E_STATE_MIGRATION_FAILED: migration 0002_level2_dual_path \(up\) failed at statement \d+/);
  });

  test("a file the --from release cannot be using fails the source check before any copy", async () => {
    const work = tempDir();
    const path = copyFixture(3, tempDir());
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: work });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([["source", "failed"]]);
    expect(report.checks[0]?.detail).toMatch(/compat level 2: release 0\.1\.0 cannot be using it/);
    expect(readdirSync(work)).toEqual([]);
  });

  test("a damaged original is copied as it is and refused by the runner's preflight on the copy; the original is not written", async () => {
    const work = tempDir();
    const path = copyFixture(1, tempDir());
    corruptPageOf(path, "peers");
    const hash = sha256File(path);
    const files = siblings(path);
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", dryRun: false, workDir: work });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ["source", "ok"],
      ["copy", "ok"],
      ["preflight", "failed"],
    ]);
    expect(report.checks[2]?.detail).toMatch(/^E_STATE_CORRUPT: /);
    expect(report.applied).toEqual([]);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
    expect(readdirSync(work)).toEqual([]);
  });

  // Damage the snapshot itself meets (page 2's header, a table the first reads walk), not only the
  // preflight on the copy: closing the snapshot met it again and threw SQLite's own error over the
  // StateError, so `upgrade` said "internal error: SqliteError: database disk image is malformed" (exit 70).
  test.each([true, false])("an original whose second page is damaged (dryRun %s): E_STATE_CORRUPT naming it, the original and its siblings not written, no work file left", async (dryRun) => {
    const work = tempDir();
    const path = copyFixture(1, tempDir());
    overwrite(path, 4096, Buffer.from("garbage".repeat(9)));
    const hash = sha256File(path);
    const files = siblings(path);
    const outcome = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", dryRun, workDir: work }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect((outcome as StateError).code).toBe("E_STATE_CORRUPT");
    expect((outcome as StateError).message).toContain(path);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
    expect(readdirSync(work)).toEqual([]);
  });

  test("the before-state is the original's snapshot: a client writing the original meanwhile changes neither the copy nor the comparison", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const work = join(dir, "work.sqlite");
    const snapshot = await SourceSnapshot.open(path, work, true);
    try {
      const before = snapshot.rowCounts();
      const client = new Database(path);
      client.prepare("DELETE FROM peers WHERE rowid IN (SELECT rowid FROM peers LIMIT 10)").run();
      client.prepare("UPDATE settings SET value = value || '!'").run();
      await snapshot.copyToWork();
      expect((await snapshot.compareWithWork()).filter((c) => c.missing + c.changed + c.extra > 0)).toEqual([]);
      expect(snapshot.rowCounts()).toEqual(before);
      // The copy is the snapshot, not the file as the client left it.
      const copy = new Database(work, { readonly: true });
      expect(copy.prepare("SELECT count(*) FROM peers").pluck().get()).toBe(before.get("peers"));
      copy.close();
      expect(client.prepare("SELECT count(*) FROM peers").pluck().get()).toBe((before.get("peers") as number) - 10);
      client.close();
    } finally {
      snapshot.close();
    }
  });

  test("release strings resolve through the release table; going backwards is refused", async () => {
    const path = copyFixture(1, tempDir());
    await expect(rehearseUpgrade({ path, from: "0.1", to: "0.2.0" })).rejects.toMatchObject({ code: "E_RELEASE_INVALID" });
    await expect(rehearseUpgrade({ path, from: "0.1.0", to: "9.0.0" })).rejects.toMatchObject({ code: "E_RELEASE_UNKNOWN" });
    const e = await rehearseUpgrade({ path, from: "0.3.0", to: "0.1.0" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as StateError).message).toMatch(/0\.1\.0 \(to\) is older than 0\.3\.0 \(from\)/);
  });

  const DRY_RUN_CHECKS = [
    "source",
    "copy",
    "preflight",
    "up:0002_level2_dual_path",
    "up:0003_level3_codex_first",
    "commit",
    "rows",
    "schema",
    "refused:0.1.0",
    "queries:0.2.0",
    "queries:0.3.0",
    "rollback",
    "down:0003_level3_codex_first",
    "down:0002_level2_dual_path",
    "down-commit",
    "down-data",
    "integrity",
    "foreign-keys",
  ];
  test.each(DRY_RUN_CHECKS)(
    "a signal that fires as the %s line is written stops the rehearsal with E_STATE_ABORTED, the work folder empty and the original's bytes and mtime unchanged; after the upgrade of the copy it returned an OK report",
    async (check) => {
      const work = tempDir();
      const path = copyFixture(1, tempDir());
      const hash = sha256File(path);
      const mtime = statSync(path).mtimeMs;
      const files = siblings(path);
      const controller = new AbortController();
      const logger = createLogger({
        level: "info",
        destination: { write: (line: string) => void (JSON.parse(line).check === check && controller.abort("test")) },
      });
      const outcome = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: work, logger, signal: controller.signal }).catch((e: unknown) => e);
      expect(controller.signal.aborted).toBe(true);
      expect(outcome).toBeInstanceOf(StateError);
      expect((outcome as StateError).code).toBe("E_STATE_ABORTED");
      expect(readdirSync(work)).toEqual([]);
      expect(sha256File(path)).toBe(hash);
      expect(statSync(path).mtimeMs).toBe(mtime);
      expect(siblings(path)).toEqual(files);
    },
  );

  test("an original whose last commits are still in its -wal (the app was killed): the rehearsal and migrate status see them, and neither the file nor its -wal is written (bytes and mtime); closing the snapshot checkpointed the -wal into the original and deleted it", async () => {
    // One more peer only in the -wal: what an app killed before its checkpoint leaves.
    const path = fixtureWithCommitsInWal(1, tempDir());
    const before = { file: sha256File(path), wal: sha256File(`${path}-wal`), mtime: statSync(path).mtimeMs, walMtime: statSync(`${path}-wal`).mtimeMs };
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: tempDir() });
    expect(report.verdict).toBe("ok");
    expect(report.tables.find((t) => t.table === "peers")?.before).toBe(100);
    const now = (): typeof before => ({ file: sha256File(path), wal: sha256File(`${path}-wal`), mtime: statSync(path).mtimeMs, walMtime: statSync(`${path}-wal`).mtimeMs });
    expect(siblings(path)).toContain("state.sqlite-wal");
    expect(now()).toEqual(before);
    // migrate status reads only too.
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
    expect(now()).toEqual(before);
  });

  test("a work folder where the copy cannot be made (a file in the way, a read-only folder) is E_STATE_IO naming it, the original untouched; the fs error escaped untyped (the CLI's exit 70, 'a bug', with a stack)", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const hash = sha256File(path);
    const files = siblings(path);
    const outcome = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: path }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect(outcome).toMatchObject({ code: "E_STATE_IO" });
    expect((outcome as StateError).message).toContain(`cannot create the work copy in ${path}`);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });
});
