import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/**
 * `migrate status` reads without taking the migration lock. `--lock-timeout` was accepted and
 * ignored without a word, so a script that passed it to wait out a running migration got the
 * status of the moment instead; like --to and --dry-run it is now a usage error there.
 */
describe("migrate status and the flags of up and down", () => {
  test("--lock-timeout is a usage error (exit 2) saying it goes with up or down; nothing printed on stdout", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "status", "--db", path, "--lock-timeout", "60000"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error[E_USAGE]: migrate status: --lock-timeout goes with up or down");
    expect(sha256File(path)).toBe(hash);
  });

  test("up and down still take it; status without it still reads", async () => {
    const path = join(tempDir(), "state.sqlite");
    expect((await runCliInProcess(["migrate", "up", "--db", path, "--lock-timeout", "1000"])).code).toBe(0);
    expect((await runCliInProcess(["migrate", "status", "--db", path])).code).toBe(0);
  });
});
