/**
 * `migrate down --to NAME` where NAME is a migration of this build the file has not applied (newer
 * than the database: `--to 0003_level3_codex_first` on a level-2 file, a user who meant `up`, or
 * named the level to leave rather than the one to reach) exited 4, "the state database refused",
 * with E_STATE_LEVEL_UNKNOWN, whose meaning is a name this build does not know: neither was so. It
 * is a value the command cannot use on this file: a usage error (exit 2) naming the file's level,
 * its last applied migration, what `down --to` takes there and the `up` that reaches NAME.
 * The library keeps its code and gives the same in `details`.
 */
import { describe, expect, test } from "vitest";
import { migrateState, StateError } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "../state/support/files.js";

describe("migrate down --to a migration the file has not applied", () => {
  test("the CLI: a usage error (exit 2) naming the level, the last applied migration, what --to takes and the up that reaches it; the file and its siblings as they were", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const files = siblings(path);
    for (const extra of [[], ["--json"], ["--dry-run"]]) {
      const r = await runCliInProcess(["migrate", "down", "--db", path, "--to", "0003_level3_codex_first", ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("error[E_USAGE]: migrate down: --to 0003_level3_codex_first is not applied to");
      expect(r.stderr).toContain("at level 2 (last applied 0002_level2_dual_path)");
      expect(r.stderr).toContain("down --to takes 0001_level1_waku_only or 0");
      expect(r.stderr).toContain(`status-compat migrate up --db ${path} --to 0003_level3_codex_first`);
      expect(r.stdout).toBe("");
    }
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("migrateState: E_STATE_LEVEL_UNKNOWN with the file's level, last applied migration and the targets a down takes in details", async () => {
    const path = copyFixture(1, tempDir());
    const outcome = await migrateState({ path, direction: "down", to: "0002_level2_dual_path" }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect(outcome).toMatchObject({
      code: "E_STATE_LEVEL_UNKNOWN",
      details: { path, migration: "0002_level2_dual_path", level: 1, lastApplied: "0001_level1_waku_only", downTargets: [0] },
    });
    expect((outcome as Error).message).toContain("down --to takes 0");
  });

  test("the last applied migration is where the file is: nothing to do (exit 0), as before; a name this build lacks stays E_STATE_LEVEL_UNKNOWN (exit 4)", async () => {
    const path = copyFixture(2, tempDir());
    const same = await runCliInProcess(["migrate", "down", "--db", path, "--to", "0002_level2_dual_path"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("nothing to do");
    const unknown = await runCliInProcess(["migrate", "down", "--db", path, "--to", "0009_nope"]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("E_STATE_LEVEL_UNKNOWN");
  });
});
