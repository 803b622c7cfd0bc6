import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState, openState, StateError } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { sha256File } from "./support/files.js";

/**
 * The runner's bookkeeping records its own format (`_state_version.format`, 1) so that a build
 * which lays it out otherwise can tell the builds before it. Nothing read it: a file whose
 * bookkeeping a newer build wrote in format 2 was opened, migrated and rewritten as format 1 by a
 * build that cannot know what format 2 means.
 */
async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  return error as StateError;
}

async function stateWithFormat(format: number, level = 3): Promise<string> {
  const path = join(tempDir(), "state.sqlite");
  (await openState({ path, level })).close();
  const db = new Database(path);
  db.prepare("UPDATE _state_version SET format = ?").run(format);
  db.close();
  return path;
}

describe("the bookkeeping's own format", () => {
  test("a newer format is E_STATE_FROM_FUTURE naming both formats, for every entry point, the file untouched", async () => {
    const path = await stateWithFormat(2, 2);
    const hash = sha256File(path);
    for (const attempt of [openState({ path }), openState({ path, readOnly: true }), migrateState({ path, direction: "up" }), migrateState({ path, direction: "down", discardData: true })]) {
      const e = await refusal(attempt);
      expect(e.code).toBe("E_STATE_FROM_FUTURE");
      expect(e.message).toMatch(/its bookkeeping is in format 2; this build reads format 1: a newer build wrote it/);
      expect(e.details).toMatchObject({ format: 2, knownFormat: 1 });
    }
    expect(sha256File(path)).toBe(hash);
    expect(inspectState(path).problem?.code).toBe("E_STATE_FROM_FUTURE");
    const status = await runCliInProcess(["migrate", "up", "--db", path]);
    expect(status.code).toBe(4);
    expect(status.stderr).toMatch(/E_STATE_FROM_FUTURE/);
  });

  test("a format no build wrote (0) is E_STATE_DIRTY", async () => {
    const path = await stateWithFormat(0);
    const e = await refusal(openState({ path }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/its bookkeeping says format 0, which no build writes/);
  });

  test("format 1 opens as before", async () => {
    const path = await stateWithFormat(1);
    const h = await openState({ path });
    expect(h.level).toBe(3);
    h.close();
  });

  test("bookkeeping tables without a column the runner reads are E_STATE_DIRTY naming it, not E_STATE_IO; migrate status reports it", async () => {
    // It was E_STATE_IO 'cannot read the state …: no such column', an error that sends the user to check the disk.
    for (const [table, column] of [
      ["_state_migrations", "schema_fingerprint"],
      ["_state_version", "compat_level"],
    ] as const) {
      const path = join(tempDir(), "state.sqlite");
      (await openState({ path, level: 2 })).close();
      const db = new Database(path);
      db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
      db.close();
      const hash = sha256File(path);
      for (const attempt of [openState({ path }), migrateState({ path, direction: "up" })]) {
        const e = await refusal(attempt);
        expect(e.code, table).toBe("E_STATE_DIRTY");
        expect(e.message).toMatch(new RegExp(`its bookkeeping table ${table} has no column ${column}`));
      }
      expect(sha256File(path)).toBe(hash);
      expect(inspectState(path).problem?.code).toBe("E_STATE_DIRTY");
    }
  });

  test("a log row whose level, compat level or fingerprint is not what its migration produces is E_STATE_DIRTY (compat lowered by hand let a release outside the window in)", async () => {
    const path = join(tempDir(), "state.sqlite");
    (await openState({ path })).close();
    const db = new Database(path);
    // What an edit to let release 0.1.0 open a level-3 file looks like: the checksum still matches.
    db.exec("UPDATE _state_migrations SET compat_level = 1 WHERE name = '0003_level3_codex_first'");
    db.exec("UPDATE _state_version SET compat_level = 1");
    db.close();
    const hash = sha256File(path);
    const e = await refusal(openState({ path }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/its log row of 0003_level3_codex_first says level 3, compat level 1, which that migration does not produce \(level 3, compat level 2\)/);
    expect((await refusal(openState({ path, level: 1 }))).code).toBe("E_STATE_DIRTY");
    expect(sha256File(path)).toBe(hash);
  });
});
