/**
 * A side output (`file put/get --metrics`, `matrix --out`) in a folder the user may not write: found
 * out only at the end, after the whole transfer or matrix, the metrics were lost ("could not write
 * --metrics … (EACCES)", exit 0) and the report went to stdout. Like a missing folder, it is now a
 * usage error (exit 2) before anything is started. Real processes; as root (who writes anywhere) they
 * run as the unprivileged user 65534.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
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

function setup() {
  const dir = tempDir("scc-cli-unwritable-");
  chmodSync(dir, 0o777);
  const locked = join(dir, "reports");
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  const path = join(dir, "photo.jpg");
  writeFileSync(path, "a small photo");
  chmodSync(path, 0o644);
  return { dir, locked, path, home: join(dir, "home") };
}

describe("a side output in a folder the user cannot write", () => {
  test("file put --metrics: a usage error before anything is shared", async () => {
    const { locked, path, home } = setup();
    const put = await runCliUnprivileged(["file", "put", path, "--home", home, "--metrics", join(locked, "put.prom")]);
    expect(put.stderr).toMatch(/--metrics .*put\.prom cannot be written: .*reports.* \(EACCES\)/);
    expect(put.code, put.stderr).toBe(EXIT.USAGE);
    expect(put.stdout).toBe("");
    expect(existsSync(home), "the home was touched").toBe(false);
    expect(readdirSync(locked)).toEqual([]);
  }, 60_000);

  test("matrix --out: a usage error before anything is run", async () => {
    const { locked } = setup();
    const matrix = await runCliUnprivileged(["matrix", "--only", "negotiate", "--out", join(locked, "report.md")]);
    expect(matrix.stderr).toMatch(/--out .*report\.md cannot be written: .*reports.* \(EACCES\)/);
    expect(matrix.code, matrix.stderr).toBe(EXIT.USAGE);
    expect(matrix.stdout).toBe("");
  }, 60_000);
});
