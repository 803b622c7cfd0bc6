/**
 * `migrate up/down --lock-timeout` took any string of digits: 99999999999999999999 became 1e20 ms,
 * and a run meeting another process's migration waited without end (no timer overflowed: the wait
 * polls in steps of at most 100 ms, so its deadline was simply never reached). The range is the
 * library's, 0 to 2^31 - 1 ms (about 24.8 days); past it is a usage error (exit 2) naming it,
 * before the file is opened. `1e400` and `Infinity` were already refused, with a message that
 * named no range.
 */
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

describe("migrate --lock-timeout past 2^31 - 1 ms", () => {
  test.each([
    ["up", "99999999999999999999"],
    ["down", "99999999999999999999"],
    ["up", "2147483648"],
    ["up", "1e400"],
    ["up", "Infinity"],
  ])("migrate %s --lock-timeout %s: exit 2 naming the range, nothing on stdout, the file untouched", async (action, value) => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", action, "--db", path, "--json", "--lock-timeout", value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error[E_USAGE]: migrate: --lock-timeout must be a whole number of milliseconds from 0 to 2147483647 (about 24.8 days), not "${value}". Nothing was run.`);
    expect(sha256File(path)).toBe(hash);
  });

  test("a value of hundreds of digits is cut in the message", async () => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--lock-timeout", "9".repeat(500)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`not "${"9".repeat(40)}…". Nothing was run.`);
  });

  test("2147483647, the longest wait, is taken (up applies the pending migration)", async () => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--lock-timeout", "2147483647"]);
    expect(r.code).toBe(0);
  });
});
