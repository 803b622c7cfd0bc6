/**
 * A `--to` this build does not know is refused before anything is opened: `migrate up --db
 * NEW --to TYPO` created an empty NEW (the connection is opened to create a missing file) and
 * then refused with E_STATE_LEVEL_UNKNOWN, leaving a file the user never got.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { migrateState, StateError } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "./support/files.js";

describe("a migration target this build does not have", () => {
  test("up --to an unknown name on a missing file: E_STATE_LEVEL_UNKNOWN and no file is created", async () => {
    const dir = tempDir();
    const path = join(dir, "new.sqlite");
    const outcome = await migrateState({ path, direction: "up", to: "0004_typo" }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect(outcome).toMatchObject({ code: "E_STATE_LEVEL_UNKNOWN" });
    expect(readdirSync(dir)).toEqual([]);
  });

  test("the CLI: exit 4 naming the migrations it has, and the folder stays empty", async () => {
    const dir = tempDir();
    const r = await runCliInProcess(["migrate", "up", "--db", join(dir, "new.sqlite"), "--to", "0004_typo"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("E_STATE_LEVEL_UNKNOWN");
    expect(r.stderr).toContain("0003_level3_codex_first");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("down --to an unknown name on an existing file: refused, the file and its siblings as they were", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const files = siblings(path);
    const outcome = await migrateState({ path, direction: "down", to: "0004_typo" }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: "E_STATE_LEVEL_UNKNOWN" });
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });
});
