/**
 * `file put` of one of its home's own files, which the same command writes while it reads them:
 * `<home>/state.sqlite` was shared with exit 0, a copy without the changes in its -wal (the put's own
 * journal rows among them), the -wal (emptied by the command's own checkpoint) failed with the
 * library's "the file is empty" naming no file, and the store's blocks, the cache and the locks went
 * out as files. Each is now a usage error (exit 2, as `--out` there is since 1d01e02) before the
 * upload starts, saying how to share the database (a copy made with sqlite3's .backup). A copy of
 * the database outside the home, and another home's database, are shared as before. In process.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { journalRows, runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

let dir: string;
let home: string;

beforeEach(async () => {
  dir = tempDir("scc-put-home-files-");
  home = join(dir, "home");
  const source = join(dir, "photo.jpg");
  writeFileSync(source, Buffer.alloc(3000, 5));
  const put = await runCliInProcess(["file", "put", source, "--home", home]);
  expect(put.code, put.stderr).toBe(EXIT.OK);
});

function uploads(): number {
  return Number(journalRows(home, "select count(*) as n from upload_jobs")[0]?.["n"]);
}

function put(path: string, env: NodeJS.ProcessEnv = process.env, ...more: string[]): Promise<CliResult> {
  return runCliInProcess(["file", "put", path, ...more], env);
}

function refused(r: CliResult, said: RegExp): void {
  expect(r.code, r.stderr).toBe(EXIT.USAGE);
  expect(r.stderr).toMatch(said);
  expect(r.stderr).toContain("which this command writes while it would read it");
  expect(r.stderr).toContain("Nothing was started.");
  expect(r.stdout).toBe("");
  expect(uploads()).toBe(1);
}

describe("a file among the home's own files is a usage error before the upload starts", () => {
  test.each([
    ["the state database", "state.sqlite"],
    ["its WAL", "state.sqlite-wal"],
    ["its shared-memory index", "state.sqlite-shm"],
    ["the client's lock beside it", "state.sqlite.client-lock"],
  ])("put <home>/%s: refused, saying how to share the database", async (_what, name) => {
    const path = join(home, name);
    // Whatever SQLite left there after the first put (a -wal may be gone): a file at that name.
    try {
      writeFileSync(path, "x", { flag: "wx" });
    } catch {
      // already there
    }
    const r = await put(path, process.env, "--home", home);
    refused(r, new RegExp(`${name.replace(/[.-]/g, "\\$&")} is in the state database \\(${name.replace(/[.-]/g, "\\$&")}\\) of the home`));
    expect(r.stderr).toContain('".backup copy.sqlite"');
  });

  test("the command lock, a block of the store and a file of the cache", async () => {
    writeFileSync(join(home, "cli.lock"), "x", { flag: "a" });
    const store = join(home, "store");
    const blocks = readdirSync(store, { recursive: true, encoding: "utf8" }).map((name) => join(store, name)).filter((path) => statSync(path).isFile());
    expect(blocks.length, "the first put stored no block").toBeGreaterThan(0);
    mkdirSync(join(home, "data", "cache"), { recursive: true });
    writeFileSync(join(home, "data", "cache", "x.bin"), "x");
    for (const [path, said] of [
      [join(home, "cli.lock"), /is in the lock \(cli\.lock\) of the home/],
      [join(home, "data", "cache", "x.bin"), /is in the cache and spool \(data\/\) of the home/],
      ...blocks.slice(0, 1).map((block) => [block, /is in the local store of the home/] as const),
    ] as const) {
      const r = await put(path, process.env, "--home", home);
      refused(r, said);
      expect(r.stderr).toContain("copy it out of the home");
    }
  });

  test("through a link to the database, and with the home from $STATUS_COMPAT_HOME", async () => {
    const link = join(dir, "db-link.sqlite");
    symlinkSync(join(home, "state.sqlite"), link);
    refused(await put(link, process.env, "--home", home), /db-link\.sqlite is in the state database \(state\.sqlite\)/);
    refused(await put(join(home, "state.sqlite"), { ...process.env, STATUS_COMPAT_HOME: home }), /is in the state database/);
  });
});

describe("what stays allowed", () => {
  test("a copy of the database outside the home, and another home's database", async () => {
    const copy = join(dir, "copy.sqlite");
    copyFileSync(join(home, "state.sqlite"), copy);
    const r = await put(copy, process.env, "--home", home);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const other = await put(join(home, "state.sqlite"), process.env, "--home", join(dir, "other-home"));
    expect(other.code, other.stderr).toBe(EXIT.OK);
  });

  test("a missing file of the home's names is the missing file it is (E_SOURCE_MISSING, exit 3)", async () => {
    const r = await put(join(home, "state.sqlite-journal"), process.env, "--home", home);
    expect(r.code, r.stderr).toBe(EXIT.BAD_INPUT);
    expect(r.stderr).toContain("E_SOURCE_MISSING");
  });
});
