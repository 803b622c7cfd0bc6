/**
 * `state fixture --rows -1` got the argument parser's answer ("Option '--rows <value>' argument is
 * ambiguous … use '--rows=-XYZ'"), which says nothing of what --rows takes, and `--rows=-1` or
 * `--rows ten` a bare "must be a whole number". Each now says what it takes: a whole number of at
 * least 0 (and --seed its range), exit 2, nothing written.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("state fixture's number flags given what is no such number", () => {
  test.each([
    [["--rows", "-1"], `--rows takes a whole number of at least 0 (underscores allowed: 1_000_000), not "-1"`],
    [["--rows=-1"], `--rows takes a whole number of at least 0 (underscores allowed: 1_000_000), not "-1"`],
    [["--rows", "-5_000"], `--rows takes a whole number of at least 0 (underscores allowed: 1_000_000), not "-5_000"`],
    [["--rows", "ten"], `--rows takes a whole number of at least 0 (underscores allowed: 1_000_000), not "ten"`],
    [["--rows", "10", "--seed", "-3"], `--seed takes a whole number from 0 to 4294967295`],
  ])("%j: a usage error (exit 2) saying what it takes; nothing written", async (flags, said) => {
    const dir = tempDir("scc-cli-fixture-numbers-");
    const args = flags.includes("--rows") || flags.some((f) => f.startsWith("--rows=")) ? flags : ["--rows", "10", ...flags];
    const r = await runCliInProcess(["state", "fixture", "--release", "0.2.0", ...args, "--out", join(dir, "state.sqlite")]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`state fixture: ${said}`);
    expect(r.stderr).not.toContain("ambiguous");
    expect(r.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });
});
