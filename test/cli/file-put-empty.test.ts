/**
 * `file put` of a file with no bytes, or one the kernel makes up as it is read (/proc: size 0, yet
 * text when read). The library's "the file is empty; …" named no file, and of /proc/self/status it
 * was plainly wrong. The command now names the file and says to copy a system file first. Still
 * E_FILE_EMPTY, exit 3, nothing started. In process.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("file put of a file with no size", () => {
  const cases: [string, () => string][] = [["an empty file", () => {
    const path = join(tempDir("scc-put-empty-"), "empty.txt");
    writeFileSync(path, "");
    return path;
  }]];
  // A file of the kernel with size 0 that reads as text, where there is one.
  if (existsSync("/proc/self/status")) cases.push(["/proc/self/status", () => "/proc/self/status"]);

  test.each(cases)("%s: exit 3 naming it, saying to copy a system file first; the home is not made", async (_what, make) => {
    const path = make();
    const home = join(tempDir("scc-put-empty-home-"), "home");
    const r = await runCliInProcess(["file", "put", path, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.BAD_INPUT);
    expect(r.stderr).toContain(`error[E_FILE_EMPTY]: file put: ${path} is empty (0 bytes)`);
    expect(r.stderr).toMatch(/under \/proc or \/sys\) cannot be shared as it is: copy it to a file first/);
    expect(r.stdout).toBe("");
    expect(existsSync(home)).toBe(false);
  });
});
