/**
 * `--metrics` and `matrix --out` in a folder where nothing can be created say why as `file get --out`
 * does: "it is on a read-only file system" for EROFS (a mounted backup, a read-only container
 * layer), "you may not write in it" otherwise. The side outputs said "you may not write in its
 * folder … (EROFS)" for both: a chmod the user could not fix. One folder check serves all three
 * now (checkFolderWritable). Real processes (as nobody when this is root and no read-only mount can
 * be made).
 */
import { chmodSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { readOnlyFolderWith, runCliFor, type ReadOnlyFolder } from "../state/support/read-only-folder.js";

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The refusal the three outputs share, with the reason the folder's kind gives. */
function refusal(folder: ReadOnlyFolder, flag: string, path: string, nothingDone: string): RegExp {
  const why = folder.how === "read-only bind mount" ? "it is on a read-only file system, .* \\(EROFS\\)" : "you may not write in it, .* \\(EACCES\\)";
  return new RegExp(`--${flag} ${escaped(path)} cannot be written: ${why}; give a path in a folder you can write\\. ${escaped(nothingDone)}`);
}

describe("a side output in a folder where nothing can be created", () => {
  test("file put --metrics: exit 2 with the download's words, before anything is shared", async () => {
    const folder = readOnlyFolderWith([]);
    const source = join(folder.workDir, "photo.jpg");
    const metrics = join(folder.dir, "put.prom");
    const home = join(folder.workDir, "home");
    writeFileSync(source, "a small photo");
    chmodSync(source, 0o644);
    const r = await runCliFor(folder, ["file", "put", source, "--home", home, "--metrics", metrics], PROJECT_ROOT);
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(refusal(folder, "metrics", metrics, "Nothing was started."));
    expect(readdirSync(folder.dir)).toEqual([]);
  }, 60_000);

  test("matrix --out: exit 2 with the download's words, before anything is run", async () => {
    const folder = readOnlyFolderWith([]);
    const out = join(folder.dir, "report.md");
    const r = await runCliFor(folder, ["matrix", "--only", "negotiate", "--out", out], PROJECT_ROOT);
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(refusal(folder, "out", out, "Nothing was run."));
    expect(readdirSync(folder.dir)).toEqual([]);
  }, 60_000);
});
