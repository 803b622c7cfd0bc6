/**
 * A terminal that goes away (an ssh session dropped, a window closed) sends SIGHUP. Node resets
 * SIGHUP's disposition at start, so `nohup` does not keep the CLI from it: a transfer must stop the
 * orderly way (the job kept in the journal, resumable), end by SIGHUP (129 to a shell), and say
 * what keeps a transfer running past its terminal (setsid), where nohup's user reads it (nohup.out).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { journalRows, runCliInProcess, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** Polls `what` until it holds (a slow, shared CI machine may take long to start the CLI under tsx). */
async function until(what: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!what() && Date.now() < deadline) await sleep(20);
}

function setup(size: number) {
  const dir = tempDir("scc-cli-file-hup-");
  const bytes = randomBytes(size);
  const path = join(dir, "photo.jpg");
  writeFileSync(path, bytes);
  return { dir, bytes, path, home: join(dir, "home") };
}

const SETSID_HINT = /nohup does not keep it running past a hangup: start a transfer that must outlive its terminal with setsid/;

describe("status-compat file: the terminal goes away (SIGHUP)", () => {
  test("during a put: the upload is kept, the process ends by SIGHUP after a line saying it resumes when run again and that setsid (not nohup) keeps a transfer past its terminal; the same command then finishes it", async () => {
    const server = await startCodexTestServer();
    try {
      const { bytes, path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      server.inject("upload", { kind: "hang", phase: "no-read" }, { times: 1000 });
      const put = startCli(["file", "put", path, ...codex]);
      await until(() => (server.stats.byRoute["upload"] ?? 0) > 0);
      expect(server.stats.byRoute["upload"] ?? 0, `the upload never began: ${put.output.stderr}`).toBeGreaterThan(0);
      put.child.kill("SIGHUP");
      const ended = await put.closed;
      server.clearFaults();
      expect(ended, put.output.stderr).toEqual({ code: null, signal: "SIGHUP" });
      expect(put.output.stdout).toBe("");
      const lines = put.output.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^status-compat file put: interrupted \(SIGHUP: the terminal went away\); the upload is kept and resumes when you run the same command again/);
      expect(lines[0]).toMatch(SETSID_HINT);
      const [job] = journalRows(home, `SELECT id, state FROM upload_jobs`);
      expect(job?.state).toBe("uploading");

      const again = await runCliInProcess(["file", "put", path, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { plaintextSha256: string }).plaintextSha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(journalRows(home, `SELECT id, state FROM upload_jobs`)).toEqual([{ id: job?.id, state: "done" }]);
    } finally {
      await server.close();
    }
  }, 120_000);

  test("during a get: the download is kept, nothing at --out, the process ends by SIGHUP after the same kind of line; the same command then writes the verified file", async () => {
    const server = await startCodexTestServer();
    try {
      const { dir, bytes, path, home } = setup(120_000);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const put = await runCliInProcess(["file", "put", path, ...codex]);
      expect(put.code, put.stderr).toBe(0);
      const ref = (JSON.parse(put.stdout) as { base64: string }).base64;
      const downloads = join(dir, "downloads");
      mkdirSync(downloads);
      const out = join(downloads, "copy.jpg");
      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      const get = startCli(["file", "get", ref, "--out", out, ...codex]);
      await until(() => readdirSync(downloads).some((name) => name.endsWith(".part")));
      expect(readdirSync(downloads).some((name) => name.endsWith(".part")), `the download never began: ${get.output.stderr}`).toBe(true);
      get.child.kill("SIGHUP");
      const ended = await get.closed;
      server.clearFaults();
      expect(ended, get.output.stderr).toEqual({ code: null, signal: "SIGHUP" });
      expect(get.output.stdout).toBe("");
      const lines = get.output.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^status-compat file get: interrupted \(SIGHUP: the terminal went away\); the download is kept and resumes when you run the same command again/);
      expect(lines[0]).toMatch(SETSID_HINT);
      expect(existsSync(out)).toBe(false);
      expect(journalRows(home, `SELECT state FROM download_jobs`)).toEqual([{ state: "downloading" }]);

      const again = await runCliInProcess(["file", "get", ref, "--out", out, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(readdirSync(downloads)).toEqual(["copy.jpg"]);
    } finally {
      await server.close();
    }
  }, 120_000);
});
