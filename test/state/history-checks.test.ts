import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { inspectState, MigrationCatalog, migrateState, openState, StateError, type MigrationDefinition } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

async function codeOf(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  return error as StateError;
}

describe("history is checked before anything runs", () => {
  test("an applied migration edited afterwards is refused with E_STATE_CHECKSUM naming it", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const edited = new MigrationCatalog([m1, { ...m2, up: [...m2.up, "CREATE INDEX peers_seen ON peers (seen_at)"], down: ["DROP INDEX peers_seen", ...m2.down] }, m3]);
    const e = await codeOf(openState({ path, catalog: edited }));
    expect(e.code).toBe("E_STATE_CHECKSUM");
    expect(e.message).toMatch(/migration 0002_level2_dual_path was edited after .* applied it/);
    expect(e.details).toMatchObject({ migration: "0002_level2_dual_path" });
    expect(sha256File(path)).toBe(hash);
  });

  test("an applied migration the build no longer has is refused with E_STATE_MISSING_MIGRATION", async () => {
    const path = copyFixture(2, tempDir());
    const renamed = new MigrationCatalog([m1, { ...m2, name: "0002_level2_renamed" }, m3]);
    const e = await codeOf(openState({ path, catalog: renamed }));
    expect(e.code).toBe("E_STATE_MISSING_MIGRATION");
    expect(e.message).toMatch(/records migration 0002_level2_dual_path \(level 2\) as applied, but this build has no such migration/);
  });

  test("a migration added before one already applied is refused with E_STATE_OUT_OF_ORDER naming it", async () => {
    const path = copyFixture(3, tempDir());
    const late: MigrationDefinition = {
      name: "0002_level2_late_index",
      protocol: 2,
      level: 2,
      compatLevel: 1,
      summary: "an index added after 0003 shipped",
      up: ["CREATE INDEX segments_by_received ON segments (received_at)"],
      down: ["DROP INDEX segments_by_received"],
    };
    const e = await codeOf(openState({ path, catalog: new MigrationCatalog([m1, m2, late, m3]) }));
    expect(e.code).toBe("E_STATE_OUT_OF_ORDER");
    expect(e.message).toMatch(/migration 0002_level2_late_index sorts before 0003_level3_codex_first, which .* has already applied, but was never applied itself/);
  });

  test("migrations from a newer build are tolerated while the compat level admits this code", async () => {
    const path = copyFixture(2, tempDir());
    const level2Build = new MigrationCatalog([m1, m2]);
    (await openState({ path })).close();
    const h = await openState({ path, catalog: level2Build });
    expect({ level: h.level, code: h.codeLevel }).toEqual({ level: 3, code: 2 });
    h.close();
    const s = inspectState(path, level2Build);
    expect(s.future).toEqual(["0003_level3_codex_first"]);
    expect(s.problem).toBeUndefined();
    const e = await codeOf(migrateState({ path, direction: "down", catalog: level2Build }));
    expect(e.code).toBe("E_STATE_MISSING_MIGRATION");
    expect(e.message).toMatch(/cannot revert it; run `migrate down` with the release that added it/);
  });
});

describe("a dirty file is reported, never silently continued", () => {
  function tamper(path: string, sql: string): void {
    const db = new Database(path);
    db.exec(sql);
    db.close();
  }

  test("a column added by hand: E_STATE_DIRTY naming the difference, nothing changed", async () => {
    const path = copyFixture(1, tempDir());
    tamper(path, "ALTER TABLE peers ADD COLUMN nickname TEXT");
    const hash = sha256File(path);
    const e = await codeOf(openState({ path }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/does not match level 1 as recorded by 0001_level1_waku_only \(table peers: unexpected column nickname\)/);
    expect(sha256File(path)).toBe(hash);
    expect(inspectState(path).problem?.code).toBe("E_STATE_DIRTY");
  });

  test("half of a migration applied outside the runner (no log row): dirty", async () => {
    const path = copyFixture(2, tempDir());
    // What a runner without transactions leaves when it dies inside 0003: two statements in, no log row.
    tamper(path, `${m3.up[0]}; ${m3.up[1]};`);
    const e = await codeOf(openState({ path }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/table cd_pointers: unexpected column supersedes_c/);
  });

  test("a version row that disagrees with the log, or a header level that disagrees with both: dirty", async () => {
    const dir = tempDir();
    const a = copyFixture(2, dir, "a.db");
    tamper(a, "UPDATE _state_version SET level = 3");
    expect((await codeOf(openState({ path: a }))).message).toMatch(/version row \(level 3, compat level 1\) disagrees with its last logged migration 0002_level2_dual_path \(level 2, compat level 1\)/);
    const b = copyFixture(2, dir, "b.db");
    tamper(b, "PRAGMA user_version = 7");
    expect((await codeOf(openState({ path: b }))).message).toMatch(/header says level 7/);
    const c = copyFixture(2, dir, "c.db");
    tamper(c, "DELETE FROM _state_migrations");
    expect((await codeOf(openState({ path: c }))).code).toBe("E_STATE_DIRTY");
  });

  test("a version row whose compat level or schema fingerprint alone disagrees with the log: dirty, and the message and details say which, not two equal levels", async () => {
    // The message named the levels only: "(level 2) disagrees with … (level 2)", details.differences empty.
    const dir = tempDir();
    const a = copyFixture(2, dir, "a.db");
    tamper(a, "UPDATE _state_version SET compat_level = 99");
    const hash = sha256File(a);
    for (const attempt of [() => openState({ path: a }), () => migrateState({ path: a, direction: "up", dryRun: true })]) {
      const e = await codeOf(attempt());
      expect(e.code).toBe("E_STATE_DIRTY");
      expect(e.message).toMatch(/version row \(level 2, compat level 99\) disagrees with its last logged migration 0002_level2_dual_path \(level 2, compat level 1\)/);
      expect(e.details).toMatchObject({ differences: ["compat level: 99 in the version row, 1 in the log"] });
    }
    expect(sha256File(a)).toBe(hash);
    const b = copyFixture(2, dir, "b.db");
    tamper(b, "UPDATE _state_version SET schema_fingerprint = 'edited'");
    const e = await codeOf(openState({ path: b }));
    expect(e.message).toMatch(/version row \(level 2, compat level 1, another schema\) disagrees with its last logged migration 0002_level2_dual_path \(level 2, compat level 1\)/);
    expect(e.details).toMatchObject({ differences: [expect.stringMatching(/^schema fingerprint: edited in the version row, [0-9a-f]{12}… in the log$/)] });
  });

  test("someone else's SQLite database is refused as E_STATE_UNRECOGNIZED", async () => {
    const path = join(tempDir(), "other.db");
    tamper(path, "CREATE TABLE wallet_accounts (address TEXT PRIMARY KEY)");
    const hash = sha256File(path);
    const e = await codeOf(openState({ path }));
    expect(e.code).toBe("E_STATE_UNRECOGNIZED");
    expect(e.message).toMatch(/not a status-compat state database \(tables: wallet_accounts\)/);
    expect(sha256File(path)).toBe(hash);
  });
});

describe("each migration and its log row are one transaction", () => {
  const broken: MigrationDefinition = {
    name: "0002_level2_broken",
    protocol: 2,
    level: 2,
    compatLevel: 1,
    summary: "creates a table, then fails on the data",
    up: ["CREATE TABLE upload_jobs (id TEXT PRIMARY KEY) STRICT", "INSERT INTO upload_jobs (id) SELECT public_key FROM peers", "INSERT INTO upload_jobs (id) SELECT public_key FROM peers"],
    down: ["DROP TABLE upload_jobs"],
  };

  test("a failing migration leaves no trace: previous level, same schema, same bytes of data", async () => {
    const path = copyFixture(1, tempDir());
    const catalog = new MigrationCatalog([m1, broken]);
    const before = inspectState(path);
    const e = await codeOf(openState({ path, catalog }));
    expect(e.code).toBe("E_STATE_MIGRATION_FAILED");
    expect(e.message).toMatch(/migration 0002_level2_broken \(up\) failed at statement 3 of 3: UNIQUE constraint failed/);
    const after = inspectState(path);
    expect(after.problem).toBeUndefined();
    expect({ level: after.level, applied: after.applied.map((a) => a.name) }).toEqual({ level: 1, applied: ["0001_level1_waku_only"] });
    expect(after.applied).toEqual(before.applied);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'upload_jobs'").pluck().get()).toBe(0);
    db.close();
    // The real migrations still run on it afterwards.
    const h = await openState({ path });
    expect(h.level).toBe(3);
    h.close();
  });

  test("a file with foreign key violations (written with enforcement off) is not migrated further", async () => {
    const path = copyFixture(2, tempDir());
    const db = new Database(path);
    db.pragma("foreign_keys = OFF");
    db.prepare("INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES ('no-such-job', 0, 'zDv', 1, x'00', 1)").run();
    db.close();
    const hash = sha256File(path);
    const e = await codeOf(openState({ path }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/has 1 row\(s\) violating foreign keys \(in upload_pieces\), written with enforcement off; it was not migrated/);
    expect(inspectState(path).level).toBe(2);
    expect(sha256File(path)).toBe(hash);
  });
});
