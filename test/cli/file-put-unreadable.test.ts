/**
 * `file put` of a file the user may not read (mode 000, another user's): the disk refusing, which
 * the CLI documents as E_LOCAL_IO (exit 5) naming the file. It said "the file being shared can no
 * longer be read (EACCES); share it again" with E_SOURCE_MISSING (exit 3), though the file was never
 * readable and sharing it again fails the same way, and left a failed upload in the journal.
 * A real process; as root (who reads any file) it runs as the unprivileged user 65534.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { spawnCollecting } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

/** The CLI as a real process, as an unprivileged user when this one is root. */
function runCliUnprivileged(args: string[]) {
  const cli = [...nodeArgs("src/cli/run.ts"), ...args];
  if (process.getuid?.() !== 0) return spawnCollecting(process.execPath, cli);
  return spawnCollecting("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, ...cli]);
}

describe("file put of a file that cannot be read", () => {
  test("exits 5 with E_LOCAL_IO naming the file and the OS's refusal, before anything is started", async () => {
    const dir = tempDir("scc-cli-unreadable-");
    chmodSync(dir, 0o777);
    const path = join(dir, "payslip.pdf");
    writeFileSync(path, "not yours to read");
    chmodSync(path, 0o000);
    const home = join(dir, "home");

    const put = await runCliUnprivileged(["file", "put", path, "--home", home]);

    expect(put.stderr).toMatch(/error\[E_LOCAL_IO\]: file put: cannot read .*payslip\.pdf \(EACCES/);
    expect(put.stderr).not.toMatch(/share it again/);
    expect(put.code, put.stderr).toBe(EXIT.STORAGE);
    expect(put.stdout).toBe("");
  }, 60_000);

  test("a file in a folder the user may not enter: the same (it was E_SOURCE_MISSING, exit 3, 'cannot look at')", async () => {
    const dir = tempDir("scc-cli-unreadable-");
    chmodSync(dir, 0o777);
    const folder = join(dir, "private");
    mkdirSync(folder);
    const path = join(folder, "payslip.pdf");
    writeFileSync(path, "not yours to read");
    // No one but root may enter it, its owner included (the test may run as that owner).
    chmodSync(folder, 0o000);
    const home = join(dir, "home");

    let put;
    try {
      put = await runCliUnprivileged(["file", "put", path, "--home", home]);
    } finally {
      chmodSync(folder, 0o700); // for the temp folder's removal
    }

    expect(put.stderr).toMatch(/error\[E_LOCAL_IO\]: file put: cannot read .*payslip\.pdf \(EACCES/);
    expect(put.code, put.stderr).toBe(EXIT.STORAGE);
    expect(put.stdout).toBe("");
  }, 60_000);
});
