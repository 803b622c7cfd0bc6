import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { createLogger } from "../../src/obs/index.js";
import { runExclusiveMigration } from "../../src/state/exclusive-migration.js";
import { openConnection } from "../../src/state/state-file.js";
import {
  acquireMigrationLock,
  inspectState,
  lockPathFor,
  MigrationCatalog,
  migrateState,
  openState,
  shippedCatalog,
  StateError,
  type MigrationDefinition,
} from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { corruptPageOf } from "./support/corrupt.js";
import { copyFixture, sha256File, siblings } from "./support/files.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

async function refused(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  return error as StateError;
}

/** A logger whose lines are kept (as parsed JSON) and handed to `onLine` as they are written. */
function recordingLogger(onLine: (line: { msg: string }) => void = () => undefined): { logger: ReturnType<typeof createLogger>; lines: { msg: string }[] } {
  const lines: { msg: string }[] = [];
  const logger = createLogger({
    level: "info",
    destination: {
      write(chunk: string) {
        const line = JSON.parse(chunk) as { msg: string };
        lines.push(line);
        onLine(line);
      },
    },
  });
  return { logger, lines };
}

describe("a migration run is one transaction, with its preflight on a second core", () => {
  test("a failing later migration takes the earlier ones of the run with it: the file keeps its level and its bytes", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const broken: MigrationDefinition = { ...m3, up: [...m3.up, "INSERT INTO settings (key, value) SELECT 'k', 'v' FROM peers"] };
    const e = await refused(openState({ path, catalog: new MigrationCatalog([m1, m2, broken]) }));
    expect(e.code).toBe("E_STATE_MIGRATION_FAILED");
    expect(e.message).toMatch(/migration 0003_level3_codex_first \(up\) failed at statement 8 of 8: UNIQUE constraint failed/);
    expect(inspectState(path)).toMatchObject({ level: 1, compatLevel: 1, problem: undefined, pending: ["0002_level2_dual_path", "0003_level3_codex_first"] });
    expect(sha256File(path)).toBe(hash);
  });

  test("a damaged page in a table no migration reads is found by the preflight alongside: E_STATE_CORRUPT, nothing written, no sidecar", async () => {
    const path = copyFixture(1, tempDir());
    corruptPageOf(path, "peers");
    const hash = sha256File(path);
    const files = siblings(path);
    for (const attempt of [() => openState({ path }), () => migrateState({ path, direction: "up" })]) {
      const e = await refused(attempt());
      expect(e.code).toBe("E_STATE_CORRUPT");
      expect(e.message).toMatch(/fails PRAGMA quick_check .*it was not migrated and nothing was written|is corrupt .*while trying to check it before migrating/);
      expect(sha256File(path)).toBe(hash);
      expect(siblings(path)).toEqual(files);
    }
  });

  test("on a WAL file the preflight runs alongside the migrations; on a rollback-journal file, before them", async () => {
    const dir = tempDir();
    const wal = await migrateState({ path: copyFixture(1, dir, "wal.sqlite"), direction: "up" });
    expect(wal.preflight).toMatchObject({ alongside: true });
    expect(wal.runs.map((r) => r.name)).toEqual(["0002_level2_dual_path", "0003_level3_codex_first"]);
    expect(wal.commitMs).toBeGreaterThan(0);

    const path = copyFixture(1, dir, "journal.sqlite");
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const journal = await migrateState({ path, direction: "up" });
    expect(journal.preflight).toMatchObject({ alongside: false, waitedMs: 0 });
    expect(journal.after).toEqual({ level: 3, compatLevel: 2 });
    const after = new Database(path, { readonly: true });
    expect(after.pragma("journal_mode", { simple: true })).toBe("wal");
    after.close();

    expect((await migrateState({ path: copyFixture(1, dir, "none.sqlite"), direction: "up", preflight: "none" })).preflight).toBeUndefined();
  });

  test("a damaged rollback-journal file is refused before anything is written, journal mode included", async () => {
    const path = copyFixture(1, tempDir());
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    corruptPageOf(path, "peers");
    const hash = sha256File(path);
    const files = siblings(path);
    expect((await refused(openState({ path }))).code).toBe("E_STATE_CORRUPT");
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("a signal that fires between two migrations rolls the whole run back", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const controller = new AbortController();
    const { logger } = recordingLogger((line) => {
      if (line.msg.startsWith("migration applied")) controller.abort(new Error("user closed the app"));
    });
    const e = await refused(openState({ path, logger, signal: controller.signal }));
    expect(e.code).toBe("E_STATE_ABORTED");
    expect(e.message).toMatch(/stopped before 0003_level3_codex_first; rolled back, the file keeps its level/);
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
    expect(sha256File(path)).toBe(hash);
  });

  test("without a sidecar, a run that finds the lock taken at its commit rolls back, waits for it like everyone else, then runs", async () => {
    const path = copyFixture(1, tempDir());
    expect(existsSync(lockPathFor(path))).toBe(false);
    const catalog = shippedCatalog();
    let held: Promise<{ release(): void }> | undefined;
    // The other connection lets the lock go once the run says it rolled back to wait for it: a timer
    // (150 ms) let it go before the run reached its commit on a loaded machine (plans 1, seen in a run of the suite).
    const { logger, lines } = recordingLogger((line) => {
      if (line.msg.startsWith("another process took the migration lock")) void held?.then((l) => l.release());
    });
    const db = openConnection(path, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
    let plans = 0;
    try {
      const result = await runExclusiveMigration(db, {
        path,
        catalog,
        preflight: "quick_check",
        lockTimeoutMs: 10_000,
        logger,
        plan(assessment) {
          plans++;
          if (plans === 1) {
            // Another connection takes the sidecar lock while this run works under the write lock
            // (its first attempt succeeds synchronously).
            held = acquireMigrationLock(path, { timeoutMs: 0 });
          }
          return assessment.level < 3 ? { direction: "up", through: catalog.lastOfLevel(3)! } : undefined;
        },
      });
      expect(plans).toBe(2);
      expect(lines.map((l) => l.msg)).toContain("another process took the migration lock; rolling back to wait for it");
      expect(result.runs.map((r) => r.name)).toEqual(["0002_level2_dual_path", "0003_level3_codex_first"]);
      expect(result.assessment.level).toBe(3);
    } finally {
      db.close();
    }
    expect(inspectState(path)).toMatchObject({ level: 3, compatLevel: 2, problem: undefined });
  });
});
