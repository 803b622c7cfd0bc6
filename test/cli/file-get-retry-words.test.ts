/**
 * A `file get` whose download failed keeping nothing printed the library's advice to an
 * application, "retry()": an API call a CLI user does not have. It now says what such a user does:
 * run the same command again (a folder in the temp file's place; the download starts over), or make
 * --out's folder again and run it again (the folder was removed while it downloaded). Doing so works.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { createLocalBackend, StorageClient } from "../../src/storage/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { startFaultProxy } from "../support/fault-proxy/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A file put with the CLI on a fresh home: its path, bytes and printed reference. */
async function put(dir: string, home: string, size: number, backend: string[] = []) {
  const path = join(dir, "video.mp4");
  const bytes = randomBytes(size);
  writeFileSync(path, bytes);
  const done = await runCliInProcess(["file", "put", path, "--home", home, ...backend]);
  expect(done.code, done.stderr).toBe(0);
  return { bytes, printed: JSON.parse(done.stdout) as { base64: string; pieces: { cid: string }[] } };
}

describe("file get failing with nothing kept says what a CLI user does", () => {
  test("a folder in its temp file's place: run the same command again (not retry()), and that downloads it", async () => {
    const dir = tempDir("scc-cli-retry-words-");
    const home = join(dir, "home");
    const { bytes, printed } = await put(dir, home, 20_000);
    const out = join(dir, "copy.mp4");
    // An interrupted get of that reference to `out`: its job stays in the home's journal for the next get to resume.
    const store = createLocalBackend({ dir: join(home, "store") });
    const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(home, "state.sqlite"), dataDir: join(home, "data"), renewEveryMs: 0 });
    client.fetch(Buffer.from(printed.base64, "base64"), { out });
    await client.stop();
    await store.close();
    const db = new Database(join(home, "state.sqlite"), { readonly: true });
    const row = db.prepare(`SELECT state, temp_path FROM download_jobs`).get() as { state: string; temp_path: string };
    db.close();
    expect(["queued", "downloading"]).toContain(row.state);
    rmSync(row.temp_path, { force: true });
    mkdirSync(row.temp_path);

    const get = ["file", "get", printed.base64, "--out", out, "--home", home];
    const failed = await runCliInProcess(get);
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toContain("that is a folder, which this client never makes there; move that folder away, then run the same command again (the download starts over)");
    expect(failed.stderr).not.toContain("retry()");

    const again = await runCliInProcess(get);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  test("its --out folder removed while it downloaded: make it again and run the same command again (not retry()), and that downloads it", async () => {
    const server = await startCodexTestServer();
    const second = { cid: "", folder: "" };
    const proxy = await startFaultProxy({
      target: server.url,
      // No fault is injected: eligible() only sees the second piece's request go by, and removes the folder then.
      faultRate: 1,
      eligible: (request) => {
        if (second.cid !== "" && request.path.includes(second.cid) && existsSync(second.folder)) rmSync(second.folder, { recursive: true });
        return false;
      },
    });
    try {
      const dir = tempDir("scc-cli-retry-words-");
      const home = join(dir, "home");
      // Two pieces of the default 4 MiB.
      const { bytes, printed } = await put(dir, home, 4 * 1024 * 1024 + 10_000, ["--backend", "codex", "--codex-url", server.url]);
      expect(printed.pieces).toHaveLength(2);
      second.cid = (printed.pieces[1] as { cid: string }).cid;
      second.folder = join(dir, "downloads");
      mkdirSync(second.folder);
      const out = join(second.folder, "copy.mp4");
      const get = ["file", "get", printed.base64, "--out", out, "--home", home, "--backend", "codex", "--codex-url", proxy.url];

      const failed = await runCliInProcess(get);
      expect(failed.code, failed.stderr).toBe(5);
      expect(failed.stderr).toContain(
        `its folder ${second.folder} was removed, its temp file with it, while it downloaded; running the same command again fetches the file again (make the folder of --out again first if it is gone: the command does not)`,
      );
      expect(failed.stderr).not.toContain("retry()");

      second.cid = "";
      mkdirSync(second.folder);
      const again = await runCliInProcess(get);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
