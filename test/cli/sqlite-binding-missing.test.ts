/**
 * better-sqlite3's native part is compiled by its install script, which npm 11 lists as "not yet
 * covered by allowScripts" in an app that installs this package, and which `--ignore-scripts` or a
 * node_modules built under another Node leaves unusable. Found installing the packed package
 * (README, Using the library): `file put` then said `E_LOCAL_IO` "cannot create the lock … (Could
 * not locate the bindings file …); the home directory must be writable" (exit 5) on a writable home,
 * and `matrix` failed every state, storage and bridge cell with a stack as a bug and called the
 * releases "BROKEN" (exit 1): a CI job blamed the pairs for an installation. Now each says what is
 * missing and what to run (E_TOOL_MISSING, exit 2, no verdict, as for buf), and the columns that do
 * not need SQLite still run without it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess, spawnCollecting, type CliResult } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";

const STAND_IN = join(import.meta.dirname, "support", "sqlite-binding-missing.ts");

function cliWithoutSqlite(args: string[], how: "missing" | "other-node", env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return spawnCollecting(process.execPath, [...nodeArgs("src/cli/run.ts", { preload: [STAND_IN] }), ...args], {
    env: { SQLITE_BINDING: how, ...env },
    timeoutMs: 60_000,
  });
}

/** What every refusal says: the module, why in one line, and the commands that mend it. */
function expectSaysWhatToRun(r: CliResult, command: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(`status-compat ${command}: error[E_TOOL_MISSING]:`);
  expect(r.stderr).toMatch(/better-sqlite3/);
  expect(r.stderr).toContain("npm rebuild better-sqlite3");
  expect(r.stderr).toContain("npm install-scripts approve better-sqlite3");
  expect(r.stderr).not.toMatch(/must be writable|internal error|\n\s+at /);
}

describe("better-sqlite3 whose native part cannot load", () => {
  test.each(["missing", "other-node"] as const)("file put and file get (%s): E_TOOL_MISSING, exit 2, naming the rebuild; it was E_LOCAL_IO asking for a writable home (exit 5)", async (how) => {
    const dir = tempDir("scc-cli-sqlite-binding-");
    writeFileSync(join(dir, "a.bin"), "some bytes");
    const env = { STATUS_COMPAT_HOME: join(dir, "home") };
    const put = await cliWithoutSqlite(["file", "put", join(dir, "a.bin")], how, env);
    expectSaysWhatToRun(put, "file put");
    expect(put.stderr).toContain(how === "missing" ? "Could not locate the bindings file" : "NODE_MODULE_VERSION");
    const get = await cliWithoutSqlite(["file", "get", "CgA=", "--out", join(dir, "b.bin")], how, env);
    expectSaysWhatToRun(get, "file get");
  }, 120_000);

  test("matrix with a column that keeps state: no verdict (exit 2), not BROKEN pairs (exit 1)", async () => {
    const r = await cliWithoutSqlite(["matrix", "--only", "wire,state", "--json"], "missing", { TMPDIR: tempDir("scc-cli-sqlite-matrix-") });
    expectSaysWhatToRun(r, "matrix");
    expect(r.stderr).not.toMatch(/BROKEN/);
  }, 60_000);

  test("migrate status, which meets it through the state layer: E_STATE_SQLITE_UNAVAILABLE, exit 2, naming the rebuild; it was an internal error with a stack (exit 70)", async () => {
    const dir = tempDir("scc-cli-sqlite-migrate-");
    const r = await cliWithoutSqlite(["migrate", "status", "--db", join(dir, "state.db")], "missing");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("error[E_STATE_SQLITE_UNAVAILABLE]:");
    expect(r.stderr).toContain("Could not locate the bindings file");
    expect(r.stderr).toContain("npm rebuild better-sqlite3");
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  }, 60_000);

  test("matrix of columns that need no SQLite runs as before", async () => {
    const r = await cliWithoutSqlite(["matrix", "--only", "wire,forward", "--json"], "missing", { TMPDIR: tempDir("scc-cli-sqlite-matrix-") });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
  }, 60_000);

  test("the README and each command's --help say so: exit 2's row, and the install step an app takes", async () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const using = readme.slice(readme.indexOf("## Using the library"), readme.indexOf("```ts", readme.indexOf("## Using the library")));
    expect(using).toContain("npm install-scripts approve better-sqlite3");
    const exit2 = /^\| 2 \| (.*) \|$/m.exec(readme)?.[1] ?? "";
    expect(exit2).toMatch(/E_TOOL_MISSING[^|]*better-sqlite3/);
    for (const path of [["file", "put"], ["file", "get"], ["matrix"]]) {
      const help = await runCliInProcess([...path, "--help"]);
      expect(help.stdout.slice(help.stdout.lastIndexOf("\nExit:")), path.join(" ")).toMatch(/\b2 usage[^,]*better-sqlite3/);
    }
  });
});
