/**
 * A relative $XDG_DATA_HOME (`data`, `~/x`) is ignored, as the XDG Base Directory spec says, and the
 * home is HOME/.local/share/status-compat: it was ignored without a word, so whoever set it looked
 * for the home (and the files put there) where it is not. `file put` and `file get`, the commands
 * that read it, now say so in one warning line on stderr (pino JSON, as every log line, so
 * STATUS_COMPAT_LOG_LEVEL=error silences it) naming the value and the home used. Nothing is said
 * when the variable was not consulted (--home, $STATUS_COMPAT_HOME), or is absolute or empty. In process.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess, type CliResult } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

let dir: string;
let user: string;
let source: string;

beforeEach(() => {
  dir = tempDir("scc-xdg-warning-");
  user = join(dir, "user");
  source = join(dir, "photo.jpg");
  writeFileSync(source, Buffer.alloc(2000, 4));
});

function run(args: string[], vars: Record<string, string>): Promise<CliResult> {
  const { STATUS_COMPAT_HOME: _s, XDG_DATA_HOME: _x, STATUS_COMPAT_LOG_LEVEL: _l, ...rest } = process.env;
  return runCliInProcess(args, { ...rest, HOME: user, ...vars }, dir);
}

/** The warnings about $XDG_DATA_HOME among stderr's lines. */
function xdgWarnings(stderr: string): { level: number; msg: string }[] {
  return stderr
    .split("\n")
    .filter((line) => line.includes("XDG_DATA_HOME"))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

describe("a relative $XDG_DATA_HOME, consulted, is said once", () => {
  test.each(["relative/data", "~/x"])("XDG_DATA_HOME=%s: put and get each warn once, naming it and the home used", async (value) => {
    const home = join(user, ".local", "share", "status-compat");
    const put = await run(["file", "put", source], { XDG_DATA_HOME: value });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    const [warning, ...more] = xdgWarnings(put.stderr);
    expect(more).toEqual([]);
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toContain(`file put: $XDG_DATA_HOME ${JSON.stringify(value)} is not an absolute path`);
    expect(warning?.msg).toContain(`the home is ${home} `);
    expect(readdirSync(home)).toContain("state.sqlite");
    const { base64 } = JSON.parse(put.stdout) as { base64: string };
    const get = await run(["file", "get", base64, "--out", join(dir, "copy.jpg")], { XDG_DATA_HOME: value });
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(xdgWarnings(get.stderr).map((w) => w.msg)).toEqual([expect.stringContaining(`file get: $XDG_DATA_HOME ${JSON.stringify(value)}`)]);
  });

  test("STATUS_COMPAT_LOG_LEVEL=error silences it, as it does every warning", async () => {
    const put = await run(["file", "put", source], { XDG_DATA_HOME: "relative/data", STATUS_COMPAT_LOG_LEVEL: "error" });
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(put.stderr).toBe("");
  });
});

describe("nothing is said when it was not consulted or is valid", () => {
  test.each([
    ["--home given", ["--home", "h"], { XDG_DATA_HOME: "relative/data" }],
    ["$STATUS_COMPAT_HOME given", [], { XDG_DATA_HOME: "relative/data", STATUS_COMPAT_HOME: "h" }],
    ["an absolute $XDG_DATA_HOME", [], { XDG_DATA_HOME: "/ABS" }],
    ["an empty $XDG_DATA_HOME (unset, to the spec)", [], { XDG_DATA_HOME: "" }],
  ] as const)("%s", async (_what, more, vars) => {
    const env: Record<string, string> = { ...vars };
    if (env["XDG_DATA_HOME"] === "/ABS") env["XDG_DATA_HOME"] = join(dir, "xdg");
    const put = await run(["file", "put", source, ...more], env);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    expect(put.stderr).toBe("");
  });
});
