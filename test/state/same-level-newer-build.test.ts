import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { inspectState, MigrationCatalog, migrateState, openState, runReleaseQueries, StateError, type MigrationDefinition } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * Two releases of one state level (0.3.0, then a 0.3.1 whose migration 0004 adds an index at
 * level 3) are adjacent rows of the release table, so each must open the file the other wrote. A
 * user who reinstalls 0.3.0 after 0.3.1 had its state refused outright: E_STATE_MISSING_MIGRATION,
 * "renamed or deleted after release. Restore it under its original name", advice for a broken
 * build, not for a newer one.
 */
const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];
const m4: MigrationDefinition = {
  name: "0004_level3_pieces_by_cid",
  protocol: 3,
  level: 3,
  compatLevel: 2,
  summary: "index upload pieces by CID (a later release of level 3)",
  up: ["CREATE INDEX upload_pieces_by_cid ON upload_pieces (cid)"],
  down: ["DROP INDEX upload_pieces_by_cid"],
};
const release030 = new MigrationCatalog([m1, m2, m3]);
const release031 = new MigrationCatalog([m1, m2, m3, m4]);

async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  return error as StateError;
}

describe("a file a newer release of the same level migrated", () => {
  test("the older release opens it as it is, reads and writes it; the newer one opens it again", async () => {
    const path = join(tempDir(), "state.sqlite");
    (await openState({ path, level: 2, catalog: release030 })).close();
    const upgraded = await openState({ path, catalog: release031 });
    expect(upgraded.applied.map((a) => a.name)).toEqual(["0003_level3_codex_first", "0004_level3_pieces_by_cid"]);
    upgraded.close();

    const older = await openState({ path, catalog: release030 });
    try {
      expect({ level: older.level, compat: older.compatLevel, code: older.codeLevel, applied: older.applied }).toEqual({ level: 3, compat: 2, code: 3, applied: [] });
      expect(runReleaseQueries(older.db, 3).failed).toEqual([]);
    } finally {
      older.close();
    }
    expect(inspectState(path, release030)).toMatchObject({ level: 3, future: ["0004_level3_pieces_by_cid"], pending: [], problem: undefined });
    expect((await migrateState({ path, direction: "up", catalog: release030 })).runs).toEqual([]);

    const again = await openState({ path, catalog: release031 });
    expect({ level: again.level, applied: again.applied }).toEqual({ level: 3, applied: [] });
    again.close();
  });

  test("the older release cannot revert what it does not have, and says to use the release that added it", async () => {
    const path = join(tempDir(), "state.sqlite");
    (await openState({ path, catalog: release031 })).close();
    const e = await refusal(migrateState({ path, direction: "down", catalog: release030 }));
    expect(e.code).toBe("E_STATE_MISSING_MIGRATION");
    expect(e.message).toMatch(/has 0004_level3_pieces_by_cid \(level 3\) applied, which this build does not have, so it cannot revert it; run `migrate down` with the release that added it/);
  });

  test("it is still judged: a column added by hand is E_STATE_DIRTY for the older release", async () => {
    const path = join(tempDir(), "state.sqlite");
    (await openState({ path, catalog: release031 })).close();
    const db = new Database(path);
    db.exec("ALTER TABLE peers ADD COLUMN nick TEXT");
    db.close();
    const e = await refusal(openState({ path, catalog: release030 }));
    expect(e.code).toBe("E_STATE_DIRTY");
    expect(e.message).toMatch(/table peers: unexpected column nick/);
  });

  test("a migration the build lost that sorts before its newest is still E_STATE_MISSING_MIGRATION", async () => {
    const path = join(tempDir(), "state.sqlite");
    (await openState({ path, catalog: release031 })).close();
    const renamed = new MigrationCatalog([m1, m2, { ...m3, name: "0003_level3_renamed" }]);
    const e = await refusal(openState({ path, catalog: renamed }));
    expect(e.code).toBe("E_STATE_MISSING_MIGRATION");
    expect(e.message).toMatch(/records migration 0003_level3_codex_first \(level 3\) as applied, but this build has no such migration/);
  });

  test("a newer build's migration on a file that skipped one of this build's is E_STATE_OUT_OF_ORDER, not a newer file", async () => {
    const path = join(tempDir(), "state.sqlite");
    // A history no build writes: 0004 of level 3 applied without 0003.
    const skipping = new MigrationCatalog([m1, m2, { ...m4, compatLevel: 1 }]);
    (await openState({ path, catalog: skipping })).close();
    const e = await refusal(openState({ path, catalog: release030 }));
    expect(e.code).toBe("E_STATE_OUT_OF_ORDER");
    expect(e.message).toMatch(/applied 0004_level3_pieces_by_cid \(level 3, from a newer build\) without 0003_level3_codex_first, which every newer build applies before it/);
  });

  test("a build whose later migration of a level is not additive over the one before it is refused at load", () => {
    const dropping: MigrationDefinition = {
      ...m4,
      name: "0004_level3_drop_supersedes_cid",
      up: ["ALTER TABLE cd_pointers DROP COLUMN supersedes_cid"],
      down: ["ALTER TABLE cd_pointers ADD COLUMN supersedes_cid TEXT"],
    };
    let error: unknown;
    try {
      new MigrationCatalog([m1, m2, m3, dropping]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("E_STATE_INVALID_MIGRATION");
    expect((error as StateError).message).toMatch(
      /0004_level3_drop_supersedes_cid: it shares level 3 with 0003_level3_codex_first, so a build of level 3 without it must keep working on a file it migrated, but: table cd_pointers: column supersedes_cid removed/,
    );
  });
});
