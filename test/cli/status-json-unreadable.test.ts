import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "../state/support/files.js";
import { corruptPageOf } from "../state/support/corrupt.js";

/**
 * `migrate status --json` is read by scripts (a release step that checks the level before an
 * upgrade). On a file it could not read at all it printed nothing on stdout, only the human error on
 * stderr, so `JSON.parse` of its output failed instead of giving the script the error's code.
 */
describe("migrate status --json on a file it cannot read", () => {
  test.each([
    ["a text file", "E_STATE_NOT_A_DATABASE", (dir: string) => {
      const path = join(dir, "state.sqlite");
      writeFileSync(path, "these are somebody's notes, not a database\n".repeat(40));
      return path;
    }],
    ["a folder", "E_STATE_NOT_A_DATABASE", (dir: string) => {
      const path = join(dir, "state.sqlite");
      mkdirSync(path);
      return path;
    }],
  ] as const)("%s: one JSON object whose problem carries the code, level and compat level null, exit 4, the human line on stderr", async (_what, code, make) => {
    const path = make(tempDir());
    const r = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(r.code, r.stderr).toBe(4);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ path, exists: true, level: null, compatLevel: null, applied: [], pending: [], future: [], problem: { code, layer: "state", name: "StateError" } });
    expect(typeof (out["problem"] as { message: unknown }).message).toBe("string");
    expect(r.stderr).toMatch(new RegExp(`^status-compat migrate: error\\[${code}\\]: `, "m"));
  });

  test("a corrupt database: the same, with E_STATE_CORRUPT, and the file is not written", async () => {
    const path = copyFixture(2, tempDir());
    corruptPageOf(path, "sqlite_schema");
    const hash = sha256File(path);
    const files = siblings(path);
    const r = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(r.code, r.stderr).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, exists: true, level: null, problem: { code: "E_STATE_CORRUPT" } });
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("without --json nothing changes: the error on stderr only, exit 4", async () => {
    const path = join(tempDir(), "state.sqlite");
    writeFileSync(path, "not a database".repeat(100));
    const r = await runCliInProcess(["migrate", "status", "--db", path]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/error\[E_STATE_NOT_A_DATABASE\]/);
  });
});
