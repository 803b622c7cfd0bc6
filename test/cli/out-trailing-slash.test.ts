import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("--out ending with a slash names a folder (as `cp f reports/` reads it)", () => {
  test.each([
    ["matrix", (out: string) => ["matrix", "--only", "negotiate", "--out", out], "Nothing was run."],
    ["state fixture", (out: string) => ["state", "fixture", "--release", "0.2.0", "--rows", "10", "--out", out], "Nothing was written."],
    ["migrate up", (out: string) => ["migrate", "up", "--db", out], "Nothing was written."],
  ] as const)(
    "%s --out (--db) DIR/ (no such folder) is a usage error (exit 2) and writes nothing; resolving the path dropped the slash and the report or database was written as a file named DIR",
    async (_, argv, nothing) => {
      const dir = tempDir("scc-cli-out-slash-");
      const r = await runCliInProcess(argv(join(dir, "reports") + "/"));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--(out|db) .*reports\/ names a folder \(it ends with \/\)/);
      expect(r.stderr).toContain(nothing);
      expect(readdirSync(dir)).toEqual([]);
      expect(existsSync(join(dir, "reports"))).toBe(false);
    },
    60_000,
  );
});
