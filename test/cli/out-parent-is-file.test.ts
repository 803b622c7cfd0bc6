/**
 * A side output (`--out`, `--metrics`) under a path whose folder part is a file (`--out
 * photo.jpg/copy.jpg`, a mistyped path): a usage error, as a missing folder is, that says a file is
 * in the way. It said "the folder … does not exist; create it first", and `mkdir` then answered
 * "File exists".
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("a side output whose folder is a file", () => {
  test.each([
    ["matrix --out", (inTheWay: string, _home: string, _file: string) => ["matrix", "--only", "negotiate", "--out", join(inTheWay, "report.md")]],
    ["file put --metrics", (inTheWay: string, home: string, file: string) => ["file", "put", file, "--home", home, "--metrics", join(inTheWay, "put.prom")]],
    ["file get --out", (inTheWay: string, home: string, _file: string) => ["file", "get", "CgA=", "--home", home, "--out", join(inTheWay, "copy.jpg")]],
  ] as const)("%s: a usage error saying a file is in the way, nothing done", async (_name, argv) => {
    const dir = tempDir("scc-cli-out-parent-file-");
    const inTheWay = join(dir, "photo.jpg");
    writeFileSync(inTheWay, "a photo");
    const file = join(dir, "notes.txt");
    writeFileSync(file, "notes");

    const r = await runCliInProcess(argv(inTheWay, join(dir, "home"), file));

    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/photo\.jpg is a file, not a folder/);
    expect(r.stderr).not.toMatch(/does not exist/);
    expect(r.stdout).toBe("");
    expect(readFileSync(inTheWay, "utf8")).toBe("a photo");
  }, 60_000);
});
