/**
 * `file put/get` without --home, $STATUS_COMPAT_HOME or $XDG_DATA_HOME fall back to the user's
 * home folder. A CI container running as an arbitrary user id with HOME unset has none (Node's
 * os.homedir() throws: "uv_os_homedir returned ENOENT", seen for real as uid 12345 without HOME),
 * and the command ended as an internal error with a stack, exit 70. It is the setup's, not a bug:
 * a usage error (exit 2) saying to give --home. The home now comes from the given env's HOME, else
 * the user database's entry (os.userInfo(); file-home-from-env.test.ts); both of Node's ways to a
 * home fail here as they do there.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

vi.mock("node:os", async (importReal) => {
  const real = await importReal<typeof import("node:os")>();
  // The user id has no entry in the user database: both of Node's ways to a home folder fail.
  const noEntry = (syscall: string) => (): never => {
    throw Object.assign(new Error(`A system error occurred: ${syscall} returned ENOENT (no such file or directory)`), {
      name: "SystemError",
      code: "ERR_SYSTEM_ERROR",
      info: { errno: -2, code: "ENOENT", message: "no such file or directory", syscall },
    });
  };
  const homedir = noEntry("uv_os_homedir");
  const userInfo = noEntry("uv_os_get_passwd");
  return { ...real, homedir, userInfo, default: { ...real, homedir, userInfo } };
});

describe("file commands where the user has no home folder", () => {
  test.each([
    ["file put", (path: string, _dir: string) => ["file", "put", path]],
    ["file get", (_path: string, dir: string) => ["file", "get", "CgA=", "--out", join(dir, "copy.jpg")]],
  ] as const)("%s without --home: a usage error naming --home and $STATUS_COMPAT_HOME; it was an internal error (exit 70)", async (_name, argv) => {
    const dir = tempDir("scc-cli-no-home-");
    const path = join(dir, "photo.jpg");
    writeFileSync(path, "a small photo");
    const { STATUS_COMPAT_HOME: _home, XDG_DATA_HOME: _xdg, HOME: _h, ...env } = process.env;

    const r = await runCliInProcess(argv(path, dir), env);

    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/no home folder .*--home.*STATUS_COMPAT_HOME/);
    expect(r.stdout).toBe("");
  });

  test("with --home it works as before", async () => {
    const dir = tempDir("scc-cli-no-home-");
    const path = join(dir, "photo.jpg");
    writeFileSync(path, "a small photo");
    const { STATUS_COMPAT_HOME: _home, XDG_DATA_HOME: _xdg, HOME: _h, ...env } = process.env;

    const r = await runCliInProcess(["file", "put", path, "--home", join(dir, "home")], env);

    expect(r.code, r.stderr).toBe(EXIT.OK);
  });
});
