import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { STATE_FIXTURE_ROWS, STATE_FIXTURE_SEED } from "../../scripts/state-fixture-spec.js";
import { inspectState, migrateState, runReleaseQueries, shippedCatalog, writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";
import { dumpState } from "./support/state-dump.js";

const catalog = shippedCatalog();
const levels = Array.from({ length: catalog.maxLevel }, (_, i) => i + 1);

function dumpOf(path: string): ReturnType<typeof dumpState> {
  const db = new Database(path);
  try {
    return dumpState(db);
  } finally {
    db.close();
  }
}

describe("fixtures/state", () => {
  test.each(levels)("level%i.sqlite is clean at its level and holds exactly what the writer makes from its seed", async (level) => {
    const dir = tempDir();
    const committed = copyFixture(level, dir);
    const status = inspectState(committed);
    expect({ problem: status.problem, level: status.level, pending: status.pending.length }).toEqual({
      problem: undefined,
      level,
      pending: catalog.maxLevel - level,
    });
    const regenerated = join(dir, "regenerated.sqlite");
    await writeFixture({ out: regenerated, level, rows: STATE_FIXTURE_ROWS, seed: STATE_FIXTURE_SEED });
    expect(dumpOf(committed)).toEqual(dumpOf(regenerated));
  });

  test.each(levels.slice(0, -1))("level%i.sqlite upgrades to the next level and back with every row equal", async (level) => {
    const path = copyFixture(level, tempDir());
    const before = dumpOf(path);
    const up = await migrateState({ path, direction: "up", to: catalog.lastOfLevel(level + 1)?.definition.name });
    expect(up.after.level).toBe(level + 1);
    const db = new Database(path);
    expect(runReleaseQueries(db, level + 1).failed).toEqual([]);
    db.close();
    const down = await migrateState({ path, direction: "down", to: catalog.lastOfLevel(level)?.definition.name });
    expect(down.after.level).toBe(level);
    expect(dumpOf(path)).toEqual(before);
  });
});
