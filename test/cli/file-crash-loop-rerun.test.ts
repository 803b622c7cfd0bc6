/**
 * A `file put` / `file get` killed five times in a row before one more piece was through (a CI job's
 * timeout sending SIGKILL, the OOM killer, each time while a node hung): the storage client then
 * fails the job at start (E_CRASH_LOOP) rather than resume it a sixth time, since an app resuming a
 * job that kills it could never start. Run again by hand, the CLI said "… retry() starts it again"
 * (an API call its user cannot make) and exited 5; the user's command is that retry, so the job is
 * now run again and finishes, resuming what it had.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCodexTestServer, type CodexRoute } from "../support/codex-server/index.js";
import { journalRows, PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { MAX_UNENDED_RUNS } from "../../src/storage/journal/unended-runs.js";
import { nodeArgs } from "../support/node-args.js";

/** Runs the CLI as a child process and SIGKILLs it once `ready()` holds. */
async function killedWhen(args: string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  let ended = false;
  void closed.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  while (!ready() && !ended && Date.now() < deadline) await sleep(20);
  child.kill("SIGKILL");
  if ((await closed) !== "SIGKILL" || !ready()) throw new Error(`the child was not killed at work: ${stderr}`);
}

describe("a file command run again after its job was failed as a crash loop", () => {
  // The two cases are independent (each its own node and home) and run at once: their time is the
  // killed children's starts. A concurrent test cleans up through its context's onTestFinished.
  test.concurrent.for([
    ["put", "upload" as CodexRoute],
    ["get", "download" as CodexRoute],
  ] as const)("file %s: the job runs again and finishes (it exited 5 telling the user to call retry())", { timeout: 120_000 }, async ([kind, route], { onTestFinished }) => {
    const dir = tempDir("scc-cli-crash-loop-", onTestFinished);
    const server = await startCodexTestServer();
    try {
      const path = join(dir, "video.mp4");
      const bytes = randomBytes(50_000);
      writeFileSync(path, bytes);
      const home = join(dir, "home");
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      let args: string[];
      if (kind === "put") {
        args = ["file", "put", path, ...codex];
      } else {
        const put = await runCliInProcess(["file", "put", path, ...codex]);
        expect(put.code, put.stderr).toBe(0);
        args = ["file", "get", (JSON.parse(put.stdout) as { base64: string }).base64, "--out", join(dir, "copy.mp4"), ...codex];
      }
      const calls = (): number => server.stats.byRoute[route] ?? 0;
      server.inject(route, { kind: "hang", phase: route === "upload" ? "no-read" : "before-headers" }, { times: 1000 });
      for (let run = 0; run < MAX_UNENDED_RUNS; run++) {
        const before = calls();
        await killedWhen(args, () => calls() > before);
      }
      server.clearFaults();

      const again = await runCliInProcess(args);

      expect(again.stderr).not.toMatch(/retry\(\)/);
      expect(again.code, again.stderr).toBe(0);
      const table = kind === "put" ? "upload_jobs" : "download_jobs";
      expect(journalRows(home, `SELECT state FROM ${table}`)).toEqual([{ state: "done" }]);
      if (kind === "get") expect(readFileSync(join(dir, "copy.mp4")).equals(bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
