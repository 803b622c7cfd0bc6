/**
 * `file put/get` without --home, $STATUS_COMPAT_HOME or $XDG_DATA_HOME use $HOME/.local/share/status-compat,
 * and $HOME is the one in the env `main()` is given (`io.env`), as the other two are. It fell back to
 * os.homedir(), which reads the process's own HOME: an embedder or a test calling `main()` with
 * another env still filled the real user's home, and one giving an env without HOME got it too.
 * With HOME unset or empty in the given env, the home is the user database's (os.userInfo()), as
 * os.homedir() and login shells fall back to it, and a user with no entry there gets the usage error.
 *
 * The process's own HOME points at a decoy folder here, so a command that reads it leaves its home
 * there (and nothing lands in the real home of the machine running the tests); the user database
 * is stood in for by `listed` (a folder, or no entry).
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const listed = vi.hoisted(() => ({ home: undefined as string | undefined }));

vi.mock("node:os", async (importReal) => {
  const real = await importReal<typeof import("node:os")>();
  // os.userInfo() of a user id with no entry in the user database throws, as here when `home` is undefined.
  const userInfo = ((options?: { encoding: BufferEncoding }) => {
    if (listed.home === undefined) throw Object.assign(new Error("A system error occurred: uv_os_get_passwd returned ENOENT (no such file or directory)"), { code: "ERR_SYSTEM_ERROR" });
    return { ...real.userInfo(options), homedir: listed.home };
  }) as typeof real.userInfo;
  return { ...real, userInfo, default: { ...real, userInfo } };
});

let decoy: string;

// The fork runs other files after this one: they get the process's home variables back as they were.
const saved = { HOME: process.env["HOME"], STATUS_COMPAT_HOME: process.env["STATUS_COMPAT_HOME"], XDG_DATA_HOME: process.env["XDG_DATA_HOME"] };

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  listed.home = undefined;
  decoy = tempDir("scc-cli-home-decoy-");
  process.env["HOME"] = decoy;
  delete process.env["STATUS_COMPAT_HOME"];
  delete process.env["XDG_DATA_HOME"];
});

function aFile(): { dir: string; path: string } {
  const dir = tempDir("scc-cli-home-env-");
  const path = join(dir, "photo.jpg");
  writeFileSync(path, "a small photo");
  return { dir, path };
}

/** The process's env without the variables that choose the home; the test adds its own. */
function envWith(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { HOME: _h, STATUS_COMPAT_HOME: _s, XDG_DATA_HOME: _x, ...rest } = process.env;
  return { ...rest, ...extra };
}

describe("file commands take the default home from the env they are given", () => {
  test("put then get with only HOME in the given env: the home is under that HOME, not the process's", async () => {
    const { dir, path } = aFile();
    const given = tempDir("scc-cli-home-given-");
    const env = envWith({ HOME: given });

    const put = await runCliInProcess(["file", "put", path], env);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(existsSync(join(given, ".local", "share", "status-compat", "state.sqlite"))).toBe(true);
    expect(readdirSync(decoy)).toEqual([]);

    // The reference is in that home's local store: get finds it there.
    const { base64 } = JSON.parse(put.stdout) as { base64: string };
    const get = await runCliInProcess(["file", "get", base64, "--out", join(dir, "copy.jpg")], env);
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(readdirSync(decoy)).toEqual([]);
  });

  test("a relative XDG_DATA_HOME is ignored (as the XDG spec says) in favour of the given HOME", async () => {
    const { path } = aFile();
    const given = tempDir("scc-cli-home-given-");

    const r = await runCliInProcess(["file", "put", path], envWith({ HOME: given, XDG_DATA_HOME: "relative/data" }));

    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(join(given, ".local", "share", "status-compat", "state.sqlite"))).toBe(true);
    expect(readdirSync(decoy)).toEqual([]);
  });

  test.each([
    ["unset", {}],
    ["empty", { HOME: "" }],
  ] as const)("HOME %s in the given env: the user database's home, not the process's HOME", async (_what, extra) => {
    const { path } = aFile();
    listed.home = tempDir("scc-cli-home-listed-");

    const r = await runCliInProcess(["file", "put", path], envWith(extra));

    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(join(listed.home, ".local", "share", "status-compat", "state.sqlite"))).toBe(true);
    expect(readdirSync(decoy)).toEqual([]);
  });

  test.each([
    ["unset", {}],
    ["empty", { HOME: "" }],
  ] as const)("HOME %s in the given env and no entry in the user database: the usage error naming --home", async (_what, extra) => {
    const { dir, path } = aFile();

    for (const argv of [["file", "put", path], ["file", "get", "CgA=", "--out", join(dir, "copy.jpg")]]) {
      const r = await runCliInProcess(argv, envWith(extra));
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code, r.stderr).toBe(EXIT.USAGE);
      expect(r.stderr).toMatch(/no home folder .*--home.*STATUS_COMPAT_HOME/);
      expect(r.stdout).toBe("");
    }
    expect(readdirSync(decoy)).toEqual([]);
  });
});
