/**
 * `migrate up|down --dry-run` refuses a file whose pages may not fit in half the machine's (or
 * container's) memory, E_STATE_TOO_LARGE (97e472f). The API had `dryRunMemoryBytes`; the CLI had no
 * way to give a budget, so a release engineer on a small CI box could not say "I know, use 3 GiB".
 * `--dry-run-memory SIZE` gives it: bytes, or KiB/MiB/GiB; a bad value is a usage error (exit 2)
 * naming the form and range, as --lock-timeout's, and so is the flag where nothing reads it.
 * Real fixture files (a level-2 state file: up and down each have something to run).
 */
import { statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "../state/support/files.js";

const FORM = "a whole number of bytes from 0 to 9007199254740991, or of KiB, MiB or GiB (e.g. 3GiB)";

describe("migrate --dry-run-memory", () => {
  test("a budget smaller than the file refuses the dry run (a real process): exit 4, E_STATE_TOO_LARGE naming the budget given, nothing written", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const files = siblings(path);
    expect(statSync(path).size).toBeGreaterThan(1024);
    const r = await runCli(["migrate", "up", "--db", path, "--dry-run", "--dry-run-memory", "1KiB"]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error[E_STATE_TOO_LARGE]");
    expect(r.stderr).toContain("more than the 1.0 KiB it may use (the budget it was given)");
    expect(r.stderr).toContain("--dry-run-memory SIZE");
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test.each([
    ["up", []],
    ["down", ["--discard-data", "--discard-unfinished-jobs"]],
  ])("migrate %s: --json shows the budget given in the refusal's details, and one as large as the file lets the dry run run", async (action, extra) => {
    const path = copyFixture(2, tempDir());
    const size = statSync(path).size;
    const hash = sha256File(path);
    const refused = await runCliInProcess(["migrate", action, "--db", path, ...extra, "--dry-run", "--json", "--dry-run-memory", String(size - 1)]);
    expect(refused.code, refused.stderr).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "E_STATE_TOO_LARGE", details: { bytes: size, budgetBytes: size - 1 } } });

    const ran = await runCliInProcess(["migrate", action, "--db", path, ...extra, "--dry-run", "--dry-run-memory", String(size)]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain("(dry run, nothing written)");
    expect(sha256File(path)).toBe(hash);
  });

  test("a budget in GiB lets the dry run of the file run and write nothing", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--dry-run", "--dry-run-memory", "3GiB"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run, nothing written\): level 2 -> 3/);
    expect(sha256File(path)).toBe(hash);
  });

  test.each(["3G", "3GB", "3gib", "-1", "1.5GiB", "1e9", "", " 1", "9007199254740992", "8388608GiB", "Infinity"])(
    "--dry-run-memory %j: exit 2 naming the form and range, nothing on stdout, the file untouched",
    async (value) => {
      const path = copyFixture(2, tempDir());
      const hash = sha256File(path);
      // One argument with "=": a separate "-1" reads as a flag to parseArgs (a usage error of its own).
      const r = await runCliInProcess(["migrate", "up", "--db", path, "--dry-run", "--json", `--dry-run-memory=${value}`]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`error[E_USAGE]: migrate: --dry-run-memory must be ${FORM}, not ${JSON.stringify(value)}. Nothing was run.`);
      expect(sha256File(path)).toBe(hash);
    },
  );

  test("the largest size, 9007199254740991 bytes, is taken", async () => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--dry-run", "--dry-run-memory", "9007199254740991"]);
    expect(r.code, r.stderr).toBe(0);
  });

  test("without --dry-run, or with status, the flag is a usage error: a real run does not read it", async () => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const up = await runCliInProcess(["migrate", "up", "--db", path, "--dry-run-memory", "3GiB"]);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain("migrate up: --dry-run-memory goes with --dry-run");
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--dry-run-memory", "3GiB"]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("migrate status: --dry-run-memory goes with up or down --dry-run");
    expect(sha256File(path)).toBe(hash);
  });
});
