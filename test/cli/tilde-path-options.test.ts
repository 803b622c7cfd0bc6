/**
 * `--home=~/x` reached the CLI as `~/x`: a shell expands `~` only at the start of a word, and after
 * `--option=` only bash in its default mode does (zsh, sh, bash --posix do not). Every path option
 * made a folder (or file) literally named `~` in the working folder. A leading `~` or `~/` is now
 * the home from the env main() is given; `~user/…` is a usage error naming the option; `./~` and a
 * `~` inside a name are left alone. Run in process, in a working folder of the test's own, with a
 * HOME in the given env that is not the process's.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { PROJECT_ROOT, runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "../state/support/files.js";

/** main() with its own working folder (a bug would write `~` there, never in the checkout). */
async function run(args: string[], home: string, cwd: string): Promise<CliResult> {
  return runCliInProcess(args, { ...process.env, HOME: home, STATUS_COMPAT_HOME: "", XDG_DATA_HOME: "" }, cwd);
}

function setup(): { home: string; cwd: string; source: string } {
  const home = tempDir("scc-tilde-home-");
  const cwd = tempDir("scc-tilde-cwd-");
  const source = join(cwd, "photo.jpg");
  writeFileSync(source, Buffer.alloc(4096, 7));
  return { home, cwd, source };
}

/** Nothing named `~` was made in the working folder. */
function noTildeIn(cwd: string): void {
  expect(readdirSync(cwd).filter((n) => n.startsWith("~"))).toEqual([]);
}

describe("a leading ~ in a path option is the home of the env main() is given", () => {
  test("file put --home=~/h --metrics=~/put.prom, then file get --out=~/got.jpg --home=~/h --metrics=~/get.prom", async () => {
    const { home, cwd, source } = setup();
    const put = await run(["file", "put", source, "--home=~/h", "--metrics=~/put.prom"], home, cwd);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(home, "h", "store"))).toBe(true);
    expect(existsSync(join(home, "put.prom"))).toBe(true);
    const ref = (JSON.parse(put.stdout) as { base64: string }).base64;
    const get = await run(["file", "get", ref, "--out=~/got.jpg", "--home=~/h", "--metrics=~/get.prom"], home, cwd);
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(existsSync(join(home, "got.jpg"))).toBe(true);
    expect(existsSync(join(home, "get.prom"))).toBe(true);
    noTildeIn(cwd);
  });

  test("file put --home=~ is the home itself", async () => {
    const { home, cwd, source } = setup();
    const put = await run(["file", "put", source, "--home=~"], home, cwd);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(home, "store"))).toBe(true);
    noTildeIn(cwd);
  });

  test("matrix --out=~/m.json", async () => {
    const { home, cwd } = setup();
    const r = await run(["matrix", "--only", "negotiate", "--json", "--out=~/m.json"], home, cwd);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(join(home, "m.json"))).toBe(true);
    noTildeIn(cwd);
  });

  test("state fixture --out=~/f.sqlite, migrate status --db=~/f.sqlite, upgrade --db=~/s.sqlite --work-dir=~/w", async () => {
    const { home, cwd } = setup();
    const f = await run(["state", "fixture", "--release", "0.1.0", "--rows", "5", "--out=~/f.sqlite"], home, cwd);
    expect(f.code, f.stderr).toBe(EXIT.OK);
    expect(existsSync(join(home, "f.sqlite"))).toBe(true);
    const s = await run(["migrate", "status", "--db=~/f.sqlite", "--json"], home, cwd);
    expect(s.code, s.stderr).toBe(EXIT.OK);
    expect(JSON.parse(s.stdout)).toMatchObject({ path: join(home, "f.sqlite"), exists: true });
    copyFixture(2, home, "s.sqlite");
    mkdirSync(join(home, "w"));
    const u = await run(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db=~/s.sqlite", "--work-dir=~/w", "--dry-run", "--json"], home, cwd);
    expect(u.code, u.stderr).toBe(EXIT.OK);
    expect(u.stdout).toContain(join(home, "s.sqlite"));
    noTildeIn(cwd);
  });

  test("schema check --old=~/p/…/v1 --new=~/p/…/v2, --root=~/p/status/storage, and --buf=~/no-buf named in full", async () => {
    const { home, cwd } = setup();
    // The project's own version folders (proto/status/storage/v<N>; --root is their parent).
    cpSync(join(PROJECT_ROOT, "proto"), join(home, "p"), { recursive: true });
    const pair = await run(["schema", "check", "--old=~/p/status/storage/v1", "--new=~/p/status/storage/v2", "--json"], home, cwd);
    expect([EXIT.OK, EXIT.CHECK_FAILED], pair.stderr).toContain(pair.code);
    const all = await run(["schema", "check", "--all", "--root=~/p/status/storage", "--json"], home, cwd);
    expect([EXIT.OK, EXIT.CHECK_FAILED], all.stderr).toContain(all.code);
    const buf = await run(["schema", "check", "--all", "--root=~/p/status/storage", "--buf=~/no-buf"], home, cwd);
    expect(buf.code).toBe(EXIT.USAGE);
    expect(buf.stderr).toContain(join(home, "no-buf"));
    noTildeIn(cwd);
  });
});

describe("~user is refused, ~ elsewhere is left alone", () => {
  const refusals: Array<[string, string[]]> = [
    ["home", ["file", "put", "SOURCE", "--home=~nobody/h"]],
    ["metrics", ["file", "put", "SOURCE", "--metrics=~nobody/m.prom"]],
    ["out", ["file", "get", "AAAA", "--out=~nobody/o.jpg"]],
    ["out", ["matrix", "--only", "negotiate", "--out=~nobody/m.json"]],
    ["out", ["state", "fixture", "--release", "0.1.0", "--rows", "5", "--out=~nobody/f.sqlite"]],
    ["db", ["migrate", "status", "--db=~nobody/s.sqlite"]],
    ["db", ["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db=~nobody/s.sqlite", "--dry-run"]],
    ["work-dir", ["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db=s.sqlite", "--work-dir=~nobody/w", "--dry-run"]],
    ["old", ["schema", "check", "--old=~nobody/a", "--new=b"]],
    ["root", ["schema", "check", "--all", "--root=~nobody/p"]],
    ["buf", ["schema", "check", "--all", "--buf=~nobody/buf"]],
  ];
  test.for(refusals)("--%s=~nobody/…: exit 2 naming the option, nothing made", async ([option, args]) => {
    const { home, cwd, source } = setup();
    const r = await run(args.map((a) => (a === "SOURCE" ? source : a)), home, cwd);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain(`--${option} "~nobody/`);
    expect(r.stderr).toContain('"~user" is not expanded');
    noTildeIn(cwd);
    expect(readdirSync(home)).toEqual([]);
  });

  test("./~/s.sqlite and a~b.sqlite are paths in the working folder", async () => {
    const { home, cwd } = setup();
    mkdirSync(join(cwd, "~"));
    copyFixture(2, join(cwd, "~"), "s.sqlite");
    copyFixture(2, cwd, "a~b.sqlite");
    const inner = await run(["migrate", "status", "--db=./~/s.sqlite", "--json"], home, cwd);
    expect(inner.code, inner.stderr).toBe(EXIT.OK);
    expect(JSON.parse(inner.stdout)).toMatchObject({ path: join(cwd, "~", "s.sqlite"), exists: true, level: 2 });
    const named = await run(["migrate", "status", "--db=a~b.sqlite", "--json"], home, cwd);
    expect(named.code, named.stderr).toBe(EXIT.OK);
    expect(JSON.parse(named.stdout)).toMatchObject({ path: join(cwd, "a~b.sqlite"), exists: true, level: 2 });
  });
});
