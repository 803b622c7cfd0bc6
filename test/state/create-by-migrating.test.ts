import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { inspectState, migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { STATE_FIXTURES } from "./support/files.js";

/**
 * `migrateState` up on a missing file builds it under a name of its own and gives it the file's
 * name once committed, so a run stopped or refused before its commit leaves nothing (see
 * test/cli/create-interrupted.test.ts). The name is given without replacing a file another process
 * created meanwhile: that file is then migrated as it is.
 */
describe("migrateState up creating a missing file", () => {
  test("a file another process puts at the path while the run builds its own is kept and migrated, not replaced; no draft is left", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    let placed = false;
    // While the draft's first migration runs (logged synchronously), someone else creates the file: a level-2 one.
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
    const result = await migrateState({ path, direction: "up", logger });
    expect(placed).toBe(true);
    expect(result).toMatchObject({ path, before: { level: 2 }, after: { level: 3 } });
    expect(result.runs.map((r) => r.name)).toEqual(["0003_level3_codex_first"]);
    const s = inspectState(path);
    expect(s).toMatchObject({ level: 3, problem: undefined });
    // The fixture's rows are there: it was migrated, not replaced by the empty draft.
    expect(s.applied.map((a) => a.name)).toEqual(["0001_level1_waku_only", "0002_level2_dual_path", "0003_level3_codex_first"]);
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  test("an unknown --to creates nothing; a missing folder is E_STATE_IO naming the file and the folder (as openState says; it was E_STATE_READ_ONLY), not the draft", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    await expect(migrateState({ path, direction: "up", to: "0009_nope" })).rejects.toMatchObject({ code: "E_STATE_LEVEL_UNKNOWN" });
    expect(readdirSync(dir)).toEqual([]);
    const missing = join(dir, "no-such-folder", "state.sqlite");
    const error = await migrateState({ path: missing, direction: "up" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_STATE_IO", details: { path: missing } });
    expect((error as Error).message).toContain(`folder ${join(dir, "no-such-folder")} does not exist`);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).not.toMatch(/\.new-\d+-/);
  });

  test("a path under a regular file is the typed E_STATE_IO naming the file, as before; the draft's clean-up does not replace it with the OS's raw ENOTDIR", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "afile"), "x");
    const path = join(dir, "afile", "state.sqlite");
    const error = await migrateState({ path, direction: "up" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({ code: "E_STATE_IO", details: { path } });
  });
});
