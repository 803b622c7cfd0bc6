/**
 * `file get --out` (or `--metrics`) naming one of the home's own files: `--out
 * <home>/state.sqlite` renamed the download onto the live state database and exited 0; every later
 * command on that home then failed with E_STATE_NOT_A_DATABASE, the journal lost. The store's
 * blocks, the cache and the lock could be replaced alike. Such a path is now a usage error (exit 2)
 * before anything is fetched, by its real path (a link to the home folder is seen through). A file
 * of another name in the home's folder is fine; a link at --out is written through (to the file it
 * names), so one to the database is refused as the database is.
 * In process, with the home given by --home and by $STATUS_COMPAT_HOME.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const SQLITE_HEADER = "SQLite format 3\0";

interface Shared {
  dir: string;
  home: string;
  source: string;
  ref: string;
}

let s: Shared;

/** A home holding one shared file, made for each test (its folder is removed when the test ends). */
async function setup(): Promise<void> {
  const dir = tempDir("scc-out-in-home-");
  const home = join(dir, "home");
  const source = join(dir, "photo.jpg");
  writeFileSync(source, Buffer.alloc(3000, 9));
  const put = await runCliInProcess(["file", "put", source, "--home", home]);
  expect(put.code, put.stderr).toBe(EXIT.OK);
  s = { dir, home, source, ref: (JSON.parse(put.stdout) as { base64: string }).base64 };
}

beforeEach(setup);

function get(out: string, ...more: string[]): Promise<CliResult> {
  return runCliInProcess(["file", "get", s.ref, "--out", out, "--home", s.home, ...more]);
}

/** The state database is still one, and the home still works: a put of the same file resumes nothing and prints a reference. */
async function homeIntact(): Promise<void> {
  expect(readFileSync(join(s.home, "state.sqlite")).subarray(0, 16).toString("latin1")).toBe(SQLITE_HEADER);
  const again = await runCliInProcess(["file", "put", s.source, "--home", s.home]);
  expect(again.code, again.stderr).toBe(EXIT.OK);
}

describe("an output among the home's own files is a usage error before anything is fetched", () => {
  test.each([
    ["the state database", "state.sqlite", /state database \(state\.sqlite\)/],
    ["its WAL", "state.sqlite-wal", /state database \(state\.sqlite-wal\)/],
    ["the client's lock beside it", "state.sqlite.client-lock", /state database \(state\.sqlite\.client-lock\)/],
    ["the command lock", "cli.lock", /lock \(cli\.lock\)/],
    ["a file in the store", join("store", "x.bin"), /local store/],
    ["a file in the cache", join("data", "cache", "x.bin"), /cache and spool/],
  ])("get --out <home>/%s", async (_what, name, said) => {
    const out = join(s.home, name);
    mkdirSync(join(out, ".."), { recursive: true });
    const before = readdirSync(join(out, ".."));
    const r = await get(out);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(said);
    expect(r.stderr).toContain(`--out ${out} is in the`);
    expect(r.stderr).toContain("Nothing was downloaded.");
    expect(r.stdout).toBe("");
    expect(readdirSync(join(out, ".."))).toEqual(before);
    await homeIntact();
  });

  test("get --out through a link to the home folder", async () => {
    const link = join(tempDir("scc-out-in-home-link-"), "to-home");
    symlinkSync(s.home, link);
    const r = await get(join(link, "state.sqlite"));
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/is in the state database \(state\.sqlite\) of the home/);
    await homeIntact();
  });

  test("--metrics <home>/state.sqlite, for put and get, and --metrics a link to it", async () => {
    const link = join(tempDir("scc-out-in-home-mlink-"), "metrics.prom");
    symlinkSync(join(s.home, "state.sqlite"), link);
    for (const metrics of [join(s.home, "state.sqlite"), link]) {
      const put = await runCliInProcess(["file", "put", s.source, "--home", s.home, "--metrics", metrics]);
      expect(put.code, put.stderr).toBe(EXIT.USAGE);
      expect(put.stderr).toMatch(/--metrics .* is in the state database \(state\.sqlite\).*Nothing was started\./);
      const g = await get(join(s.dir, "copy.jpg"), "--metrics", metrics);
      expect(g.code, g.stderr).toBe(EXIT.USAGE);
      expect(g.stderr).toMatch(/--metrics .* is in the state database/);
    }
    await homeIntact();
  });

  test("get --out a link to the state database (a link at --out is written through, file-get-out-link.test.ts)", async () => {
    const link = join(tempDir("scc-out-in-home-olink-"), "copy.jpg");
    symlinkSync(join(s.home, "state.sqlite"), link);
    const r = await get(link);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/is in the state database \(state\.sqlite\) of the home/);
    await homeIntact();
  });

  test("the default home from $STATUS_COMPAT_HOME is guarded alike", async () => {
    const r = await runCliInProcess(["file", "get", s.ref, "--out", join(s.home, "state.sqlite")], { ...process.env, STATUS_COMPAT_HOME: s.home });
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/state database/);
    await homeIntact();
  });
});

describe("what stays allowed", () => {
  test("a file of another name in the home's folder", async () => {
    const r = await get(join(s.home, "photo-copy.jpg"));
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(s.home, "photo-copy.jpg"))).toEqual(readFileSync(s.source));
    await homeIntact();
  });

});
