/**
 * `file put PATH` run again after PATH was removed, with the earlier put of it interrupted: the
 * command resumed that upload, which failed as "upload <id>: the file being shared can no longer
 * be read; share it again (ENOENT)": a job id the user never saw and an advice that cannot be
 * followed. It now says there is no file at PATH, that it was removed since its earlier put, and
 * that that upload has ended (still E_SOURCE_MISSING, exit 3); the journal holds no live job.
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { journalRows, runCliInProcess, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("file put of a file removed since its interrupted put", () => {
  test("says there is no file at PATH and that the earlier upload ended; exit 3, nothing left running", async () => {
    const server = await startCodexTestServer();
    try {
      const dir = tempDir("scc-put-removed-");
      const home = join(dir, "home");
      const path = join(dir, "video.mp4");
      writeFileSync(path, randomBytes(200_000));
      const codex = ["--home", home, "--codex-url", server.url];

      // The node never reads the upload: the put is stuck on its first piece when it is killed.
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const stuck = startCli(["file", "put", path, ...codex]);
      const deadline = Date.now() + 30_000;
      while ((server.stats.byRoute["upload"] ?? 0) === 0 && Date.now() < deadline) await sleep(20);
      stuck.child.kill("SIGKILL");
      expect((await stuck.closed).signal, stuck.output.stderr).toBe("SIGKILL");
      server.clearFaults();
      expect(journalRows(home, "SELECT state FROM upload_jobs")).toEqual([{ state: "uploading" }]);

      rmSync(path);
      const again = await runCliInProcess(["file", "put", path, ...codex]);
      expect(again.code, again.stderr).toBe(EXIT.BAD_INPUT);
      expect(again.stderr).toContain(`error[E_SOURCE_MISSING]: there is no file to share at ${path}: it was removed since its earlier put, whose upload has now ended`);
      expect(again.stderr).not.toMatch(/share it again/);
      expect(again.stdout).toBe("");
      expect(journalRows(home, "SELECT state FROM upload_jobs")).toEqual([{ state: "failed" }]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
