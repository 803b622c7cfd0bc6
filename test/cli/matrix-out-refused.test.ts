import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat matrix --out on a disk that refuses the report half-way (full, over a limit)", () => {
  test("no part of the report is left at --out (a CI job archived it as the report); the whole report goes to stdout after a line saying why, and the run exits 5, the local disk refused (it exited 0, so the job archiving the file lost it without failing)", async () => {
    const dir = tempDir("scc-cli-matrix-out-");
    const out = join(dir, "matrix.html");
    // The HTML report of the wire column is a few KiB: a 1 KiB file-size limit refuses it part-way.
    const r = await runCliUnderFileSizeLimit(["matrix", "--only", "wire", "--format", "html", "--out", out], 1024);
    expect(r.code, r.stderr.slice(-2000)).toBe(5);
    expect(r.stderr).toMatch(/could not write --out .*matrix\.html \(EFBIG\); the report follows on stdout/);
    expect(r.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
