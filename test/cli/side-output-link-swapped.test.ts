/**
 * `--metrics` and `matrix --out` are checked when the command starts (checkSideOutputPath refuses
 * another user's link in a sticky shared folder, 2d8adf6) and written when it ends, minutes later
 * for a matrix: a link planted at the path in between (nothing there at the check, or the user's own
 * file) was followed by the write, which renamed the output onto the file that user chose, as root
 * in a CI job. writeWholeFile now follows links under the same rule when it writes (as the kernel
 * does for open(), fs.protected_symlinks): such a link is not followed, the write fails EACCES, the
 * caller says the output is lost, and the file the link names is untouched. Root only: giving a link
 * to another user takes it.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { checkSideOutputPath } from "../../src/cli/writable-path.js";
import { writeWholeFile } from "../../src/cli/whole-file-write.js";
import { tempDir } from "../support/temp-dir.js";

/** A sticky folder everyone may write, and a file of ours outside it. */
function sharedFolder(): { shared: string; victim: string } {
  const dir = tempDir("scc-side-swapped-");
  const shared = join(dir, "tmp");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const victim = join(dir, "victim.txt");
  writeFileSync(victim, "mine");
  return { shared, victim };
}

/** Another user's (uid 65534) link at `path` to `to`. */
function plant(path: string, to: string): void {
  symlinkSync(to, path);
  lchownSync(path, 65534, 65534);
}

describe.runIf(process.getuid?.() === 0)("a link planted at a side output after its check", () => {
  test("nothing there at the check: the write fails EACCES, the file the link names is untouched, the link stays", () => {
    const { shared, victim } = sharedFolder();
    const out = join(shared, "metrics.prom");
    checkSideOutputPath("file put", "metrics", out, "Nothing was started.");
    plant(out, victim);
    expect(() => writeWholeFile(out, "# TYPE x counter\n")).toThrow(expect.objectContaining({ code: "EACCES" }));
    expect(readFileSync(victim, "utf8")).toBe("mine");
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
  });

  test("a chain through such a link (the user's own link to a path where one was planted) is not followed either", () => {
    const { shared, victim } = sharedFolder();
    const out = join(shared, "report.json");
    const own = join(shared, "own-link");
    symlinkSync(join(shared, "planted"), own);
    checkSideOutputPath("matrix", "out", own, "Nothing was run.");
    plant(join(shared, "planted"), victim);
    expect(() => writeWholeFile(own, "{}\n")).toThrow(expect.objectContaining({ code: "EACCES" }));
    expect(readFileSync(victim, "utf8")).toBe("mine");
    // The user's own link there is still written through.
    symlinkSync(victim, out);
    writeWholeFile(out, "{}\n");
    expect(readFileSync(victim, "utf8")).toBe("{}\n");
  });
});
