/**
 * `--metrics` and `matrix --out` write through a symbolic link to the file it names; a link whose
 * file does not exist yet (a node_exporter textfile link set up before the first run) was replaced
 * by the output instead, so the file it names never appeared and the link was gone. Its file is now
 * made, and the link stays, as `file get --out` does (78e28d6); one whose file's folder is missing
 * is a usage error (exit 2) before anything runs, not a lost output at the end. In process.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("a dangling link as a side output gets its file made", () => {
  test("file put --metrics: the named file has the metrics, the link stays; a missing folder is exit 2 before the upload", async () => {
    const dir = tempDir("scc-side-dangling-");
    const source = join(dir, "photo.jpg");
    writeFileSync(source, Buffer.alloc(2000, 2));
    mkdirSync(join(dir, "textfile"));
    const real = join(dir, "textfile", "status.prom");
    const link = join(dir, "metrics.prom");
    symlinkSync(real, link);
    const r = await runCliInProcess(["file", "put", source, "--home", join(dir, "home"), "--metrics", link]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by the metrics").toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, "utf8")).toMatch(/^# (HELP|TYPE) status_compat_/m);

    const lost = join(dir, "lost.prom");
    symlinkSync(join(dir, "gone", "status.prom"), lost);
    const refused = await runCliInProcess(["file", "put", source, "--home", join(dir, "home2"), "--metrics", lost]);
    expect(refused.code, refused.stderr).toBe(EXIT.USAGE);
    expect(refused.stderr).toMatch(/the folder of --metrics .*gone\/status\.prom does not exist.*Nothing was started\./);
    expect(existsSync(join(dir, "home2"))).toBe(false);
  });

  test("matrix --out: the named file has the report, the link stays", async () => {
    const dir = tempDir("scc-side-dangling-matrix-");
    mkdirSync(join(dir, "reports"));
    const real = join(dir, "reports", "matrix.json");
    const link = join(dir, "matrix.json");
    symlinkSync(real, link);
    const r = await runCliInProcess(["matrix", "--only", "negotiate", "--format", "json", "--out", link]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by the report").toBe(true);
    expect(JSON.parse(readFileSync(real, "utf8"))).toMatchObject({ ok: true });
  });
});
