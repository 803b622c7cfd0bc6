/**
 * `status-compat upgrade` had no --lock-timeout: its dry run waits for another process's write
 * transaction as long as the real upgrade waits for the write lock (rehearseUpgrade's lockTimeoutMs,
 * 15 s by default), and the CLI gave no way to set that wait. It now takes --lock-timeout MS, checked
 * as `migrate`'s: a whole number of milliseconds from 0 to 2^31 - 1, anything else a usage error
 * (exit 2) before the file is opened. That it reaches the dry run and the real upgrade is shown in
 * test/state/rehearsal-write-lock.test.ts (a writer holding the database, a 300 ms wait).
 */
import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

describe("upgrade --lock-timeout", () => {
  test.each(["99999999999999999999", "2147483648", "-1", "1.5", "1e3", "Infinity", "abc", ""])("--lock-timeout %j: exit 2 naming the range, nothing rehearsed, the file untouched", async (value) => {
    const path = copyFixture(2, tempDir());
    const hash = sha256File(path);
    const work = tempDir();
    const r = await runCliInProcess(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work, `--lock-timeout=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error[E_USAGE]: upgrade: --lock-timeout must be a whole number of milliseconds from 0 to 2147483647 (about 24.8 days), not ${JSON.stringify(value)}. Nothing was rehearsed.`);
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });

  test.each(["0", "2147483647"])("--lock-timeout %s is taken: with no other writer the dry run's verdict is ok", async (value) => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", tempDir(), "--lock-timeout", value]);
    expect(r.code, r.stderr).toBe(0);
  });

  test("upgrade --help names the option and its default", async () => {
    const r = await runCliInProcess(["upgrade", "--help"]);
    expect(r.stdout).toMatch(/--lock-timeout MS\s+how long the upgrade waits for another process's write transaction/);
    expect(r.stdout).toContain("default 15000");
  });
});
