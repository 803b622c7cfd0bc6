/**
 * `--metrics` and `matrix --out` are written whole, beside the file a link at their path names and
 * renamed onto it (writeWholeFile). The kernel does not follow another user's link in a sticky
 * folder everyone may write (/tmp; fs.protected_symlinks), but a rename onto the path the link names
 * is no follow: a link planted at /tmp/metrics.prom by another user had a CI job (as root, say)
 * replace whatever file that user chose. Such a link is now a usage error (exit 2) before anything
 * runs, as `file get --out` refuses it; the user's own link there is followed as before. Root only:
 * giving a link to another user takes it. In process.
 */
import { chmodSync, lchownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A sticky folder everyone may write, holding a link of uid 65534 to a file of ours. */
function planted(): { dir: string; victim: string; link: string } {
  const dir = tempDir("scc-side-planted-");
  const shared = join(dir, "tmp");
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const victim = join(dir, "victim.txt");
  writeFileSync(victim, "mine");
  const link = join(shared, "out");
  symlinkSync(victim, link);
  lchownSync(link, 65534, 65534);
  return { dir, victim, link };
}

describe.runIf(process.getuid?.() === 0)("another user's link in a sticky shared folder as a side output", () => {
  test("file put --metrics: exit 2 before anything is started, the file it names untouched; the user's own link is followed", async () => {
    const { dir, victim, link } = planted();
    const source = join(dir, "photo.jpg");
    writeFileSync(source, Buffer.alloc(2000, 1));
    const home = join(dir, "home");
    const r = await runCliInProcess(["file", "put", source, "--home", home, "--metrics", link]);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/--metrics .*out: .*out is a symbolic link of another user \(uid 65534\) in .*tmp, a folder everyone may write.*Nothing was started\./);
    expect(r.stdout).toBe("");
    expect(readFileSync(victim, "utf8")).toBe("mine");
    lchownSync(link, 0, 0);
    const own = await runCliInProcess(["file", "put", source, "--home", home, "--metrics", link]);
    expect(own.code, own.stderr).toBe(EXIT.OK);
    expect(readFileSync(victim, "utf8")).toMatch(/^# (HELP|TYPE) status_compat_/m);
  });

  test("matrix --out: exit 2 before anything is run, the file it names untouched", async () => {
    const { victim, link } = planted();
    const r = await runCliInProcess(["matrix", "--only", "negotiate", "--format", "json", "--out", link]);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/--out .*out: .*is a symbolic link of another user \(uid 65534\).*Nothing was run\./);
    expect(readFileSync(victim, "utf8")).toBe("mine");
  });
});
