import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { STATE_FIXTURE_ROWS, STATE_FIXTURE_SEED } from "../../scripts/state-fixture-spec.js";
import { createLogger } from "../../src/obs/index.js";
import { inspectState, migrateState, runReleaseQueries, shippedCatalog, StateError, writeFixture } from "../../src/state/index.js";
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

  test.each(["nothing yet (aborted before the call)", "peers", "upload_pieces"])(
    "a signal that fires once %s is written (table) stops the writer with E_STATE_ABORTED and leaves nothing (no FILE, no .partial, no lock); the writer never looked at a signal",
    async (table) => {
      const dir = tempDir();
      const out = join(dir, "f.sqlite");
      const controller = new AbortController();
      if (table === "nothing yet (aborted before the call)") controller.abort("test");
      const logger = createLogger({ level: "debug", destination: { write: (line: string) => void (JSON.parse(line).table === table && controller.abort("test")) } });
      const outcome = await writeFixture({ out, level: 3, rows: 50_000, logger, signal: controller.signal }).catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(StateError);
      expect((outcome as StateError).code).toBe("E_STATE_ABORTED");
      expect(readdirSync(dir)).toEqual([]);
      // The same FILE is written afterwards, complete.
      await writeFixture({ out, level: 3, rows: 1_000 });
      expect(inspectState(out)).toMatchObject({ level: 3, problem: undefined });
    },
  );
});
