/**
 * A negative number after a flag that takes a value (`--lock-timeout -1`) got parseArgs' own
 * refusal ("argument is ambiguous … use '--lock-timeout=-XYZ'"), which says nothing of what the flag
 * takes; only `state fixture --rows/--seed` had been given its own words, by a check of its own.
 * parseCommandArgs now takes the number as the flag's value for every command, so the command's
 * check of that flag answers, naming what it takes. A value that is no number stays parseArgs'.
 */
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

describe("a negative number as a flag's value gets the flag's own refusal", () => {
  test.each(["up", "down", "status"])("migrate %s --lock-timeout -1: exit 2 naming the range, the file untouched", async (action) => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", action, "--db", path, "--lock-timeout", "-1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--lock-timeout must be a whole number of milliseconds from 0 to 2147483647 (about 24.8 days), not "-1"`);
    expect(r.stderr).not.toContain("ambiguous");
    expect(sha256File(path)).toBe(hash);
  });

  test("matrix --cell-timeout -5: exit 2 saying it takes a positive number of seconds", async () => {
    const r = await runCliInProcess(["matrix", "--cell-timeout", "-5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--cell-timeout must be a positive number of seconds (e.g. 600); it was "-5"`);
    expect(r.stderr).not.toContain("ambiguous");
  });

  test("a flag whose value is forgotten before another option is still parseArgs' refusal", async () => {
    const r = await runCliInProcess(["migrate", "up", "--db", "--lock-timeout", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Option '--db' argument is ambiguous");
  });
});
