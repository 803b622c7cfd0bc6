import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli } from "../support/cli.js";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat matrix when the disk refuses its work files (full, over a quota or size limit)", () => {
  test.each([
    ["state", "the state fixture", "E_STATE_IO"],
    ["storage", "the storage clients' files", "E_LOCAL_IO"],
    ["bridge", "a member's state file (the 1.5 MB description)", "E_STATE_IO"],
  ] as const)(
    "--only %s, %s refused: exit 4, one line saying the matrix could not finish and that nothing is known about the pairs, no verdict, no work folder left; it reported the pairs BROKEN (exit 1), as if the releases did not interoperate",
    async (column, _, code) => {
      const tmp = tempDir("scc-cli-matrix-disk-");
      // 256 KiB: the state fixture (3,000 rows) and the 2.5 MiB file the storage cell sends cannot be written whole.
      const r = await runCliUnderFileSizeLimit(["matrix", "--only", column], 256 * 1024, { env: { TMPDIR: tmp } });
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stdout).not.toMatch(/verdict/);
      expect(r.stderr).toMatch(new RegExp(`status-compat matrix: the matrix could not finish: the disk refused a write in its work folder \\(${code}: .*\\); nothing is known about the pairs`));
      expect(readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"))).toEqual([]);
    },
    60_000,
  );
});

describe("status-compat matrix when its work folder cannot be made in the temp folder", () => {
  test("TMPDIR naming a file (a CI variable pointing at the wrong path): exit 4 with one line naming the folder, the OS's code and what to do, nothing run; it was an internal error (exit 70, 'a bug') with a stack", async () => {
    const dir = tempDir("scc-cli-matrix-tmpdir-");
    const notAFolder = join(dir, "file");
    writeFileSync(notAFolder, "");
    // tsx keeps its cache in the temp folder too: without one it compiles in memory.
    const r = await runCli(["matrix", "--only", "wire"], { env: { TMPDIR: notAFolder, TSX_DISABLE_CACHE: "1" } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr.trimEnd()).toMatch(/^status-compat matrix: cannot make the matrix's work folder in .*file \(ENOTDIR\): .*TMPDIR.* Nothing was run\.$/);
  }, 60_000);
});
