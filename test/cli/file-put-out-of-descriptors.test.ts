/**
 * `file put` while the process is out of descriptors for a moment (EMFILE: a phone's low limit, a
 * desktop app with many chats' files open): the CLI's own readability check opened the file and
 * refused the share E_LOCAL_IO (exit 5), a share the library journals and sends (42d2c15, dd4d890).
 * The check now asks access(R_OK), which takes no descriptor. Here every synchronous open of the
 * file fails EMFILE, as it does when the table is full; the library's own (asynchronous) open runs later.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const fault = vi.hoisted(() => ({ path: "", refused: 0 }));
vi.mock("node:fs", async (importReal) => {
  const real = await importReal<typeof import("node:fs")>();
  const openSync = ((...args: Parameters<typeof real.openSync>) => {
    if (fault.path !== "" && String(args[0]) === fault.path) {
      fault.refused++;
      throw Object.assign(new Error(`EMFILE: too many open files, open '${fault.path}'`), { code: "EMFILE", errno: -24, syscall: "open", path: fault.path });
    }
    return real.openSync(...args);
  }) as typeof real.openSync;
  return { ...real, default: { ...real, openSync }, openSync };
});

describe("file put while synchronous opens of the file fail EMFILE", () => {
  test("shares the file (exit 0, a FileReference on stdout), as the library does", async () => {
    const dir = tempDir("scc-cli-emfile-");
    const path = join(dir, "photo.jpg");
    writeFileSync(path, "a photo of the album");
    fault.path = path;
    try {
      const put = await runCliInProcess(["file", "put", path, "--home", join(dir, "home")]);
      expect(put.stderr).not.toMatch(/EMFILE/);
      expect(put.code, put.stderr).toBe(EXIT.OK);
      expect(JSON.parse(put.stdout)).toHaveProperty("base64");
    } finally {
      fault.path = "";
    }
  }, 60_000);
});
