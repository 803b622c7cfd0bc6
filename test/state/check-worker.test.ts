import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { runChecksOnConnection, startChecks, type CheckOutcome, type CheckPragma } from "../../src/state/check-worker.js";
import { StateError, writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { corruptPageOf, overwrite } from "./support/corrupt.js";
import { copyFixture, sha256File } from "./support/files.js";

const ALL: CheckPragma[] = ["quick_check", "integrity_check", "foreign_key_check"];

function withoutTimes(outcomes: readonly CheckOutcome[]): unknown[] {
  return outcomes.map(({ ms, ...rest }) => {
    expect(ms).toBeGreaterThanOrEqual(0);
    return rest;
  });
}

/** The checks on this thread, on a fresh connection. */
function here(path: string, pragmas: CheckPragma[]): CheckOutcome[] {
  const db = new Database(path, { readonly: true });
  try {
    return runChecksOnConnection(db, pragmas);
  } finally {
    db.close();
  }
}

/** Runs `fn` with a WAL connection open on `path` (the checks' callers keep one open), then closes it. */
async function withWriter<T>(path: string, fn: (db: Database.Database) => Promise<T>): Promise<T> {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

describe("SQLite's checks on a worker thread", () => {
  test("the worker and this thread give the same answers: a clean file, a corrupt page, rows violating foreign keys", async () => {
    const dir = tempDir();
    const clean = copyFixture(3, dir);
    const corrupt = copyFixture(1, dir, "corrupt.sqlite");
    corruptPageOf(corrupt, "peers");
    const violating = copyFixture(2, dir, "violating.sqlite");
    const v = new Database(violating);
    v.pragma("foreign_keys = OFF");
    v.prepare("INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES ('no-such-job', 0, 'zDv', 1, x'00', 1)").run();
    v.close();

    const ways = async (path: string): Promise<CheckOutcome[][]> => {
      const fromWorker = await withWriter(path, async () => {
        const run = startChecks(path, ALL);
        const outcomes = await run.outcomes;
        await run.finished;
        return outcomes;
      });
      const onThisThread = await withWriter(path, () => startChecks(path, ALL, { forceMainThread: true }).outcomes);
      return [fromWorker, onThisThread];
    };
    for (const path of [clean, violating]) {
      const expected = withoutTimes(here(path, ALL));
      for (const outcomes of await ways(path)) expect(withoutTimes(outcomes), path).toEqual(expected);
    }
    // How SQLite words a damaged page varies from run to run (and it may give up with
    // SQLITE_CORRUPT instead); what must not vary is that both ways call the file damaged.
    for (const forceMainThread of [false, true]) {
      const verdict = await withWriter(corrupt, () =>
        startChecks(corrupt, ["quick_check"], { forceMainThread }).outcomes.then(
          (o) => ((o[0] as { problems: readonly string[] }).problems.length > 0 ? "problems" : "ok"),
          (e: unknown) => (e as StateError).code,
        ),
      );
      expect(["problems", "E_STATE_CORRUPT"], `forceMainThread ${forceMainThread}`).toContain(verdict);
    }
    expect(withoutTimes(here(clean, ALL))).toEqual([
      { pragma: "quick_check", problems: [] },
      { pragma: "integrity_check", problems: [] },
      { pragma: "foreign_key_check", violations: 0, tables: [] },
    ]);
    expect(here(violating, ["foreign_key_check"])).toMatchObject([{ violations: 1, tables: ["upload_pieces"] }]);
  });

  test("every check reads the snapshot taken before snapshotTaken resolves: a commit after it is not seen", async () => {
    const path = join(tempDir(), "state.sqlite");
    await writeFixture({ out: path, level: 2, rows: 100_000, seed: 5 });
    await withWriter(path, async (db) => {
      // quick_check first, so foreign_key_check runs well after the violating row is committed.
      const run = startChecks(path, ["quick_check", "foreign_key_check"]);
      await run.snapshotTaken;
      db.pragma("foreign_keys = OFF");
      db.prepare("INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES ('no-such-job', 0, 'zDv', 1, x'00', 1)").run();
      expect((await run.outcomes)[1]).toMatchObject({ pragma: "foreign_key_check", violations: 0 });
      await run.finished;
      const later = await startChecks(path, ["foreign_key_check"]).outcomes;
      expect(later[0]).toMatchObject({ violations: 1, tables: ["upload_pieces"] });
    });
  });

  test("a file SQLite cannot read rejects with E_STATE_CORRUPT, and is not written", async () => {
    const path = copyFixture(1, tempDir());
    overwrite(path, 4000, Buffer.alloc(96, 0xa5));
    const hash = sha256File(path);
    for (const forceMainThread of [false, true]) {
      const run = startChecks(path, ["quick_check"], { forceMainThread, action: "check it before migrating" });
      const error = await run.outcomes.catch((e: unknown) => e);
      await run.finished;
      expect(error).toBeInstanceOf(StateError);
      expect((error as StateError).code).toBe("E_STATE_CORRUPT");
      expect((error as StateError).message).toMatch(/is corrupt .*while trying to check it before migrating/);
      await run.snapshotTaken;
    }
    expect(sha256File(path)).toBe(hash);
  });
});
