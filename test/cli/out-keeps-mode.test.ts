/**
 * A file replaced by `file get --out`, `--metrics` or `matrix --out` keeps its permissions (and,
 * where the user may give them, its owner and group), as `cp` and `curl -o` onto an existing file
 * do: each is written beside the file and renamed onto it, and the new file had the default mode
 * (0644 under the usual umask), so a private 0600 file became readable by everyone, and a 0664 one
 * lost its group's write. In process.
 */
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { putSample, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

let dir: string;
let home: string;
let source: string;
let ref: string;

beforeEach(async () => {
  ({ dir, home, source, ref } = await putSample(tempDir("scc-out-mode-")));
});

/** An existing file at `path` with `mode`, its old bytes different from anything written now. */
function existing(path: string, mode: number): void {
  writeFileSync(path, "old bytes\n");
  chmodSync(path, mode);
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}

describe("a replaced output keeps its mode", () => {
  test.each(["600", "664", "640"])("file get --out onto a %s file: the file is the download, with that mode", async (octal) => {
    const mode = Number.parseInt(octal, 8);
    const out = join(dir, "kept.jpg");
    existing(out, mode);
    const r = await runCliInProcess(["file", "get", ref, "--out", out, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(out)).toEqual(readFileSync(source));
    expect(modeOf(out).toString(8)).toBe(octal);
  });

  test("file put --metrics and matrix --out onto 0600 files: they stay 0600", async () => {
    const metrics = join(dir, "metrics.prom");
    existing(metrics, 0o600);
    const put = await runCliInProcess(["file", "put", source, "--home", home, "--metrics", metrics]);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(readFileSync(metrics, "utf8")).toMatch(/^# (HELP|TYPE) status_compat_/m);
    expect(modeOf(metrics).toString(8)).toBe("600");

    const report = join(dir, "matrix.json");
    existing(report, 0o600);
    const matrix = await runCliInProcess(["matrix", "--only", "negotiate", "--format", "json", "--out", report]);
    expect(matrix.code, matrix.stderr).toBe(EXIT.OK);
    expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({ ok: true });
    expect(modeOf(report).toString(8)).toBe("600");
  });

  test("a new output gets the default mode (no mode is made up for it)", async () => {
    const out = join(dir, "new.jpg");
    const r = await runCliInProcess(["file", "get", ref, "--out", out, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const plain = join(dir, "plain");
    writeFileSync(plain, "");
    expect(modeOf(out).toString(8)).toBe(modeOf(plain).toString(8));
  });
});

describe.runIf(process.getuid?.() === 0)("run as root, a replaced output keeps its owner and group", () => {
  test("file get --out and --metrics onto files of uid/gid 65534: still theirs", async () => {
    const out = join(dir, "theirs.jpg");
    existing(out, 0o640);
    chownSync(out, 65534, 65534);
    const metrics = join(dir, "theirs.prom");
    existing(metrics, 0o600);
    chownSync(metrics, 65534, 65534);
    const r = await runCliInProcess(["file", "get", ref, "--out", out, "--home", home, "--metrics", metrics]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(out)).toEqual(readFileSync(source));
    for (const path of [out, metrics]) {
      const info = statSync(path);
      expect([info.uid, info.gid], path).toEqual([65534, 65534]);
    }
    expect(modeOf(out).toString(8)).toBe("640");
  });
});
