/**
 * writeWholeFile (`--out`, `--metrics`, `matrix --out`) writes `<target>.partial-<pid>` beside the
 * output and renames it onto it. That name is predictable (the process id), and it was opened "w"
 * (O_CREAT|O_TRUNC, no O_EXCL, links followed): a symbolic link another user put there (a folder
 * others write in that is not sticky, or where fs.protected_symlinks is off) had the command
 * truncate and write the file it named, then rename the link onto the output; a hard link had the
 * file it names truncated and written. The partial file is now always made anew (O_EXCL, O_NOFOLLOW):
 * what is at its name has that name removed first, never written through.
 */
import { lstatSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { writeWholeFile } from "../../src/cli/whole-file-write.js";
import { tempDir } from "../support/temp-dir.js";

const VICTIM = "a file of the user's, not the report\n";

describe("writeWholeFile with something already at its partial file's name", () => {
  test.each([
    ["a symbolic link", symlinkSync],
    ["a hard link", linkSync],
  ])("%s to another file: that file keeps its bytes, and the output is the written file", (_, plant) => {
    const dir = tempDir("scc-whole-write-planted-");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, VICTIM);
    const out = join(dir, "report.md");
    plant(victim, `${out}.partial-${process.pid}`);

    writeWholeFile(out, "this run's report\n");

    expect(readFileSync(victim, "utf8"), "the file the planted name leads to").toBe(VICTIM);
    expect(lstatSync(out).isFile(), "the output is a file, not the planted link").toBe(true);
    expect(readFileSync(out, "utf8")).toBe("this run's report\n");
    expect(lstatSync(victim).nlink).toBe(1);
  });

  test("a folder at that name is refused, its contents untouched", () => {
    const dir = tempDir("scc-whole-write-planted-");
    const out = join(dir, "report.md");
    const folder = `${out}.partial-${process.pid}`;
    mkdirSync(folder);
    writeFileSync(join(folder, "kept"), "x");

    expect(() => writeWholeFile(out, "this run's report\n")).toThrow();
    expect(readFileSync(join(folder, "kept"), "utf8")).toBe("x");
  });
});
