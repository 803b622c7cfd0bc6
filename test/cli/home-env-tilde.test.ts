/**
 * $STATUS_COMPAT_HOME is often set where no shell expands `~`: systemd `Environment=`, a quoted
 * `export STATUS_COMPAT_HOME="~/x"`, docker `-e`, an IDE's run configuration. `~/x` was used as
 * written and made a folder literally named `~` in the working folder. It now reads as --home=~/x
 * does (the home of the env main() is given); `~user/…` is a usage error naming the variable. A
 * relative $XDG_DATA_HOME (`~/x` is one) is ignored, as the XDG Base Directory spec says; a
 * relative $STATUS_COMPAT_HOME is relative to the command's working folder, for put and get alike.
 * Run in process, in a working folder of the test's own, with a HOME in the given env that is not
 * the process's.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

interface Setup {
  home: string;
  cwd: string;
  source: string;
}

function setup(): Setup {
  const home = tempDir("scc-home-env-home-");
  const cwd = tempDir("scc-home-env-cwd-");
  const source = join(cwd, "photo.jpg");
  writeFileSync(source, Buffer.alloc(4096, 7));
  return { home, cwd, source };
}

/** main() in `s.cwd` with HOME = `s.home` and the two home variables as given (unset when absent). */
function run(args: string[], s: Setup, vars: { STATUS_COMPAT_HOME?: string; XDG_DATA_HOME?: string }): Promise<CliResult> {
  const { STATUS_COMPAT_HOME: _s, XDG_DATA_HOME: _x, ...rest } = process.env;
  return runCliInProcess(args, { ...rest, HOME: s.home, ...vars }, s.cwd);
}

/** Nothing named `~` (or starting so) was made in the working folder. */
function noTildeIn(cwd: string): void {
  expect(readdirSync(cwd).filter((n) => n.startsWith("~"))).toEqual([]);
}

describe("$STATUS_COMPAT_HOME with a leading ~", () => {
  test("~/h: put and get keep their store and state under HOME/h", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source], s, { STATUS_COMPAT_HOME: "~/h" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.home, "h", "state.sqlite"))).toBe(true);
    expect(existsSync(join(s.home, "h", "store"))).toBe(true);
    const ref = (JSON.parse(put.stdout) as { base64: string }).base64;
    // The reference is in HOME/h's local store: get finds it only there.
    const get = await run(["file", "get", ref, "--out", join(s.cwd, "copy.jpg")], s, { STATUS_COMPAT_HOME: "~/h" });
    expect(get.code, get.stderr).toBe(EXIT.OK);
    noTildeIn(s.cwd);
  });

  test("~ alone is the home itself", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source], s, { STATUS_COMPAT_HOME: "~" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.home, "state.sqlite"))).toBe(true);
    noTildeIn(s.cwd);
  });

  test("~nobody/h: exit 2 naming $STATUS_COMPAT_HOME, for put and get, and nothing is made", async () => {
    const s = setup();
    for (const argv of [["file", "put", s.source], ["file", "get", "CgA=", "--out", join(s.cwd, "copy.jpg")]]) {
      const r = await run(argv, s, { STATUS_COMPAT_HOME: "~nobody/h" });
      expect(r.code, r.stderr).toBe(EXIT.USAGE);
      expect(r.stderr).toContain('$STATUS_COMPAT_HOME "~nobody/h"');
      expect(r.stderr).toMatch(/give that user's home folder in full/);
      expect(r.stdout).toBe("");
    }
    expect(readdirSync(s.cwd)).toEqual(["photo.jpg"]);
    expect(readdirSync(s.home)).toEqual([]);
  });

  test("--home given wins: a $STATUS_COMPAT_HOME of ~nobody is not read", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source, "--home", join(s.home, "given")], s, { STATUS_COMPAT_HOME: "~nobody/h" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.home, "given", "state.sqlite"))).toBe(true);
  });

  test("./~/h is a folder named ~ in the working folder, as written", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source], s, { STATUS_COMPAT_HOME: "./~/h" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.cwd, "~", "h", "state.sqlite"))).toBe(true);
  });
});

describe("a relative home variable", () => {
  test("$XDG_DATA_HOME=~/x is relative, so ignored: the home is HOME/.local/share/status-compat", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source], s, { XDG_DATA_HOME: "~/x" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.home, ".local", "share", "status-compat", "state.sqlite"))).toBe(true);
    expect(existsSync(join(s.home, "x"))).toBe(false);
    noTildeIn(s.cwd);
  });

  test("$XDG_DATA_HOME=~nobody/x is relative too: ignored, not a usage error", async () => {
    const s = setup();
    const put = await run(["file", "put", s.source], s, { XDG_DATA_HOME: "~nobody/x" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.home, ".local", "share", "status-compat", "state.sqlite"))).toBe(true);
    noTildeIn(s.cwd);
  });

  test("$STATUS_COMPAT_HOME=data is the working folder's data, for put and for get", async () => {
    const s = setup();
    const put = await run(["file", "put", "photo.jpg"], s, { STATUS_COMPAT_HOME: "data" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(s.cwd, "data", "state.sqlite"))).toBe(true);
    const ref = (JSON.parse(put.stdout) as { base64: string }).base64;
    const get = await run(["file", "get", ref, "--out", "copy.jpg"], s, { STATUS_COMPAT_HOME: "data" });
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(JSON.parse(get.stdout)).toMatchObject({ path: join(s.cwd, "copy.jpg"), size: 4096 });
    expect(readdirSync(s.home)).toEqual([]);
  });
});

describe("$STATUS_COMPAT_HOME holding a control character", () => {
  test("a trailing carriage return (an env file with Windows line ends): exit 2 saying so, no folder made", async () => {
    const s = setup();
    const home = join(s.cwd, "data");
    const r = await run(["file", "put", s.source], s, { STATUS_COMPAT_HOME: `${home}\r` });
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("holds a control character, U+000D (a carriage return: a file of variables saved with Windows line ends?)");
    expect(readdirSync(s.cwd)).toEqual(["photo.jpg"]);
  });

  test("a tab inside: exit 2 naming U+0009", async () => {
    const s = setup();
    const r = await run(["file", "get", "CgA=", "--out", join(s.cwd, "copy.jpg")], s, { STATUS_COMPAT_HOME: "da\tta" });
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/\$STATUS_COMPAT_HOME "da\\tta" holds a control character, U\+0009; set it to the folder alone, or give --home DIR/);
    expect(readdirSync(s.cwd)).toEqual(["photo.jpg"]);
  });
});
