/**
 * `file put` of a file that grows or shrinks while it is read (a recording, a download, a log still
 * being written). The library refuses it (E_SOURCE_CHANGED, exit 3), and nothing wrong is shared;
 * but the command passed on "upload <id>: the file being shared changed since the upload began (…);
 * share it again", naming a job the user never saw, and run again at once it fails the same way
 * while the writer goes on. It now names the file, says no reference was made and what to do. The
 * file is changed while a Codex test node (127.0.0.1) holds the upload's answer back, and the node
 * answers once it has.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { journalRows, runCliInProcess } from "../support/cli.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";

describe("file put of a file that changes while it is read", () => {
  test.each([
    ["grows", (path: string) => appendFileSync(path, randomBytes(1000)), "its size changed during the upload"],
    ["shrinks", (path: string) => truncateSync(path, 50_000), "its size changed during the upload"],
  ])("a file that %s: exit 3 naming it, no reference, advice to wait for its writer", async (_what, change, why) => {
    const server = await startCodexTestServer();
    try {
      const dir = tempDir("scc-put-changing-");
      const home = join(dir, "home");
      const path = join(dir, "recording.wav");
      writeFileSync(path, randomBytes(100_000));
      // The node holds the upload's answer until the file has changed, after it was read.
      const reached = gate();
      const changed = gate();
      server.inject("upload", { kind: "hold", until: changed.wait, reached: reached.open }, { times: 1 });
      const running = runCliInProcess(["file", "put", path, "--home", home, "--codex-url", server.url]);
      // (A put that ended without uploading ends the wait too; the checks below then say how.)
      await Promise.race([reached.wait, running]);
      expect(server.stats.byRoute["upload"] ?? 0, "the upload never reached the node").toBeGreaterThan(0);
      change(path);
      changed.open();
      const put = await running;
      expect(put.code, put.stderr).toBe(EXIT.BAD_INPUT);
      expect(put.stderr).toContain(`error[E_SOURCE_CHANGED]: ${path} changed while it was being shared (${why}); no reference was made.`);
      expect(put.stderr).toMatch(/run the same command again once nothing writes to it, or share a copy/);
      expect(put.stderr).not.toMatch(/upload [0-9a-f-]{36}/);
      expect(put.stdout).toBe("");
      expect(journalRows(home, "SELECT state FROM upload_jobs")).toEqual([{ state: "failed" }]);
    } finally {
      await server.close();
    }
  });
});
