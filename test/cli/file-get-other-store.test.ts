/**
 * `file get` of a reference given to a store that cannot have it: one put to a Codex node got
 * from the local store, one put with --backend local got from another home or from a Codex node.
 * The backend's message said what was missing ("the local store has no content under zDvZ…", a
 * node that searched its peers) but not what to do; the reference's CIDs tell which case it is
 * (a Codex dataset's codec, or the local store's raw blocks), and the command now says which store
 * and flags get it. Still E_NOT_FOUND, exit 5. In process, a Codex test node on 127.0.0.1.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { tempDir } from "../support/temp-dir.js";

function aFile(): { dir: string; path: string } {
  const dir = tempDir("scc-other-store-");
  const path = join(dir, "photo.jpg");
  writeFileSync(path, Buffer.alloc(3000, 6));
  return { dir, path };
}

function base64Of(stdout: string): string {
  return (JSON.parse(stdout) as { base64: string }).base64;
}

describe("file get of a reference put to another store says which store has it", () => {
  test("put to a Codex node, got from the local store: give --codex-url", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, path } = aFile();
      const home = join(dir, "home");
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--codex-url", server.url]);
      expect(put.code, put.stderr).toBe(EXIT.OK);
      const get = await runCliInProcess(["file", "get", base64Of(put.stdout), "--out", join(dir, "copy.jpg"), "--home", home]);
      expect(get.code, get.stderr).toBe(EXIT.STORAGE);
      expect(get.stderr).toMatch(/error\[E_NOT_FOUND\]: the local store has no content under zDvZ\w+; this reference was shared to a Codex node .*: get it with --codex-url URL/);
    } finally {
      await server.close();
    }
  });

  test("put with --backend local, got from another home: give the --home it was put with", async () => {
    const { dir, path } = aFile();
    const put = await runCliInProcess(["file", "put", path, "--home", join(dir, "home-a")]);
    expect(put.code, put.stderr).toBe(EXIT.OK);
    const other = join(dir, "home-b");
    const get = await runCliInProcess(["file", "get", base64Of(put.stdout), "--out", join(dir, "copy.jpg"), "--home", other]);
    expect(get.code, get.stderr).toBe(EXIT.STORAGE);
    expect(get.stderr).toContain(`; a local store is one home's (${other}): a file put with --backend local is got with the --home it was put with`);
  });

  test("put with --backend local, got from a Codex node: give --backend local and its --home", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, path } = aFile();
      const home = join(dir, "home");
      const put = await runCliInProcess(["file", "put", path, "--home", home]);
      expect(put.code, put.stderr).toBe(EXIT.OK);
      const get = await runCliInProcess(["file", "get", base64Of(put.stdout), "--out", join(dir, "copy.jpg"), "--home", home, "--codex-url", server.url, "--attempts", "1"]);
      expect(get.code, get.stderr).toBe(EXIT.STORAGE);
      expect(get.stderr).toMatch(/error\[E_NOT_FOUND\]: Codex node .*; this reference was shared with --backend local .*: get it with --backend local and the --home it was put with/);
    } finally {
      await server.close();
    }
  });

  test("a piece missing from the store it was put to keeps the backend's words (no store to point at)", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, path } = aFile();
      const home = join(dir, "home");
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--codex-url", server.url]);
      expect(put.code, put.stderr).toBe(EXIT.OK);
      const other = await startCodexTestServer();
      try {
        const get = await runCliInProcess(["file", "get", base64Of(put.stdout), "--out", join(dir, "copy.jpg"), "--home", home, "--codex-url", other.url, "--attempts", "1"]);
        expect(get.code, get.stderr).toBe(EXIT.STORAGE);
        expect(get.stderr).toContain("error[E_NOT_FOUND]");
        expect(get.stderr).not.toContain("this reference was shared");
      } finally {
        await other.close();
      }
    } finally {
      await server.close();
    }
  });
});
