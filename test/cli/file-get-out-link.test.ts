/**
 * `file get --out` a symbolic link: the verified download was renamed onto the link, so the link
 * was gone and the file it named kept its old bytes, where `cp`, `curl -o`, a shell's `>`, editors
 * and this CLI's own `--metrics` write through to the file the link names. The download now lands
 * on that file (its temp file in that file's folder, renamed onto it: atomic as before) and the
 * link stays. A dangling link gets its file made, as `curl -o` does; a loop of links, a link to a
 * folder, one whose file's folder is missing, one to the home's own files, and another user's link
 * in a sticky folder everyone may write (/tmp) are usage errors (exit 2) before anything is fetched.
 * In process.
 */
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { journalRows, putSample, runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

let dir: string;
let home: string;
let source: string;
let ref: string;

beforeEach(async () => {
  ({ dir, home, source, ref } = await putSample(tempDir("scc-out-link-")));
});

function get(out: string): Promise<CliResult> {
  return runCliInProcess(["file", "get", ref, "--out", out, "--home", home]);
}

function downloadJobs(): number {
  return Number(journalRows(home, "select count(*) as n from download_jobs")[0]?.["n"]);
}

/** The refusal every case below shares: exit 2, the words, nothing printed, no download job. */
function refused(r: CliResult, said: RegExp): void {
  expect(r.code, r.stderr).toBe(EXIT.USAGE);
  expect(r.stderr).toMatch(said);
  expect(r.stderr).toContain("Nothing was downloaded.");
  expect(r.stdout).toBe("");
  expect(downloadJobs()).toBe(0);
}

describe("a link at --out is written through", () => {
  test("a link to a file: the file gets the download, the link stays, no temp file is left beside either", async () => {
    mkdirSync(join(dir, "real"));
    const real = join(dir, "real", "kept.jpg");
    writeFileSync(real, "an older version");
    const link = join(dir, "photo-link.jpg");
    symlinkSync(real, link);
    const r = await get(link);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by the file").toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real)).toEqual(readFileSync(source));
    expect(JSON.parse(r.stdout)).toMatchObject({ path: link, size: 3000 });
    expect(readdirSync(join(dir, "real"))).toEqual(["kept.jpg"]);
    expect(readdirSync(dir).sort()).toEqual(["home", "photo-link.jpg", "photo.jpg", "real"]);
  });

  test("a chain of relative links, the first in a folder reached through a link: the last file gets it", async () => {
    mkdirSync(join(dir, "a", "deep"), { recursive: true });
    mkdirSync(join(dir, "b"));
    writeFileSync(join(dir, "b", "end.jpg"), "old");
    // Read from the link's real folder (a/deep), "../../b/end.jpg" is dir/b/end.jpg; read from the spelled one (via/) it is not.
    symlinkSync("../../b/end.jpg", join(dir, "a", "deep", "second"));
    symlinkSync(join(dir, "a", "deep"), join(dir, "via"));
    symlinkSync(join(dir, "via", "second"), join(dir, "first"));
    const r = await get(join(dir, "first"));
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(dir, "b", "end.jpg"))).toEqual(readFileSync(source));
    expect(lstatSync(join(dir, "first")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "a", "deep", "second")).isSymbolicLink()).toBe(true);
  });

  test("a dangling link: the file it names is made, as curl -o makes it, and the link stays", async () => {
    mkdirSync(join(dir, "real"));
    const link = join(dir, "new-link.jpg");
    symlinkSync(join(dir, "real", "not-yet.jpg"), link);
    const r = await get(link);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(dir, "real", "not-yet.jpg"))).toEqual(readFileSync(source));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  test("run again after its get finished, to the same link: the same file, the link still a link", async () => {
    const real = join(dir, "kept.jpg");
    writeFileSync(real, "x");
    const link = join(dir, "l.jpg");
    symlinkSync(real, link);
    for (let i = 0; i < 2; i++) {
      const r = await get(link);
      expect(r.code, r.stderr).toBe(EXIT.OK);
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real)).toEqual(readFileSync(source));
  });
});

describe("links that cannot be written through are usage errors before anything is fetched", () => {
  test("a loop of links", async () => {
    symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
    symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
    const r = await get(join(dir, "loop-a"));
    refused(r, /--out .*loop-a is a symbolic link that never reaches a file \(a loop of links/);
  });

  test("a link to a folder: the folder is named, the link left", async () => {
    mkdirSync(join(dir, "photos"));
    symlinkSync(join(dir, "photos"), join(dir, "to-photos"));
    const r = await get(join(dir, "to-photos"));
    refused(r, /--out .*to-photos is a symbolic link to .*photos: --out .*photos is a folder; give the path of the file to write/);
    expect(lstatSync(join(dir, "to-photos")).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dir, "photos"))).toEqual([]);
  });

  test("a dangling link into a folder that does not exist", async () => {
    symlinkSync(join(dir, "gone", "x.jpg"), join(dir, "to-gone"));
    const r = await get(join(dir, "to-gone"));
    refused(r, /--out .*to-gone is a symbolic link to .*gone\/x\.jpg: the folder of --out .* does not exist/);
    expect(existsSync(join(dir, "gone"))).toBe(false);
  });

  test("a link to the home's state database: refused, the database intact", async () => {
    const link = join(dir, "copy.jpg");
    symlinkSync(join(home, "state.sqlite"), link);
    const r = await get(link);
    refused(r, /--out .*copy\.jpg \(a symbolic link to .*state\.sqlite\) is in the state database \(state\.sqlite\) of the home/);
    expect(readFileSync(join(home, "state.sqlite")).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
  });

  // Another user's link needs a process that may give a link away: root.
  test.runIf(process.getuid?.() === 0)("another user's link in a sticky folder everyone may write (as /tmp): not followed", async () => {
    const shared = join(dir, "tmp");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "mine");
    const planted = join(shared, "download.jpg");
    symlinkSync(victim, planted);
    lchownSync(planted, 65534, 65534);
    const r = await get(planted);
    refused(r, /is a symbolic link of another user \(uid 65534\) in .*tmp, a folder everyone may write/);
    expect(readFileSync(victim, "utf8")).toBe("mine");
    // The user's own link there is followed.
    lchownSync(planted, 0, 0);
    const own = await get(planted);
    expect(own.code, own.stderr).toBe(EXIT.OK);
    expect(readFileSync(victim)).toEqual(readFileSync(source));
  });
});
