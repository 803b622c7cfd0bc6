import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/**
 * `migrate status` reads without taking the migration lock. `--lock-timeout` was accepted and
 * ignored without a word (97edc77 made it a usage error). It now bounds how long status waits for a
 * file another process holds so that it cannot be read (migrate-status-lock-wait.test.ts), as up and
 * down wait; a migration running on a WAL file does not keep status from reading it, so that is no
 * wait: status reports the file as it is at that moment.
 */
describe("migrate status and the flags of up and down", () => {
  test("--lock-timeout is taken by status: a free file is read at once, unchanged", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "status", "--db", path, "--lock-timeout", "60000", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ level: 2, problem: null });
    expect(sha256File(path)).toBe(hash);
  });

  test("up and down still take it; status without it still reads", async () => {
    const path = join(tempDir(), "state.sqlite");
    expect((await runCliInProcess(["migrate", "up", "--db", path, "--lock-timeout", "1000"])).code).toBe(0);
    expect((await runCliInProcess(["migrate", "status", "--db", path])).code).toBe(0);
  });
});
