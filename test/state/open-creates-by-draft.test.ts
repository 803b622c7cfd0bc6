/**
 * openState (the app's open) on a missing file builds it as a draft beside it and names it only once
 * committed, as `migrate up` does (draft-file.ts). It used to create the file in place, so a first
 * start refused or stopped before its commit (a failing migration, the app's signal) left an empty
 * file under the real name, which the next open then migrated as if it were the app's database.
 */
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { createLogger } from "../../src/obs/index.js";
import { inspectState, MigrationCatalog, openState, StateError, type MigrationDefinition } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { STATE_FIXTURES } from "./support/files.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

async function refused(p: Promise<unknown>): Promise<StateError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(StateError);
  return e as StateError;
}

describe("openState creating a missing file", () => {
  test("a first start whose migration fails leaves nothing at the path (not an empty file), and its error names the file; the next open creates it whole", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    // Fails only on a database in a file (the catalog runs every migration on an empty one in memory
    // when it loads, where pragma_database_list names no file): the same setting written twice.
    const onDisk = "SELECT 'k', file FROM pragma_database_list WHERE name = 'main' AND file <> ''";
    const broken: MigrationDefinition = { ...m3, up: [...m3.up, `INSERT INTO settings (key, value) ${onDisk} UNION ALL ${onDisk}`] };
    const e = await refused(openState({ path, catalog: new MigrationCatalog([m1, m2, broken]) }));
    expect(e.code).toBe("E_STATE_MIGRATION_FAILED");
    expect(e.message).not.toMatch(/\.new-\d+-/);
    expect(readdirSync(dir)).toEqual([]);
    const h = await openState({ path });
    try {
      expect(h.applied.map((a) => a.name)).toEqual([m1.name, m2.name, m3.name]);
      expect(h.level).toBe(3);
    } finally {
      h.close();
    }
  });

  test("a first start stopped by the app's signal, at once or between two migrations, leaves nothing at the path", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    expect((await refused(openState({ path, signal: AbortSignal.abort() }))).code).toBe("E_STATE_ABORTED");
    expect(readdirSync(dir)).toEqual([]);
    const stop = new AbortController();
    const logger = createLogger({
      level: "info",
      destination: {
        write(line: string) {
          if (line.includes("migration applied")) stop.abort();
        },
      },
    });
    expect((await refused(openState({ path, signal: stop.signal, logger }))).code).toBe("E_STATE_ABORTED");
    expect(stop.signal.aborted).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a file another process creates at the path meanwhile is opened as it is (migrated from its level), not replaced by the draft; no draft left", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    let placed = false;
    const logger = createLogger({
      level: "info",
      destination: {
        write(line: string) {
          if (!placed && line.includes("migration applied")) {
            placed = true;
            copyFileSync(join(STATE_FIXTURES, "level2.sqlite"), path);
          }
        },
      },
    });
    const h = await openState({ path, logger });
    try {
      expect(placed).toBe(true);
      expect(h.level).toBe(3);
      // What this open applied to the file at the path: the other process's file was at level 2.
      expect(h.applied.map((a) => a.name)).toEqual([m3.name]);
    } finally {
      h.close();
    }
    expect(inspectState(path)).toMatchObject({ level: 3, problem: undefined });
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });
});
