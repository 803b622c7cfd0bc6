/**
 * `file get` of a reference that is not one (a truncated or mangled paste) to the --out of an
 * interrupted download: refused as bad input, and the interrupted download is left to resume.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { journalRows, runCliInProcess, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat file get with a bad reference", () => {
  test("a reference that does not decode is refused (exit 3) before the interrupted download to the same --out is touched", async () => {
    const server = await startCodexTestServer();
    try {
      const dir = tempDir("scc-cli-bad-ref-");
      const home = join(dir, "home");
      const bytes = randomBytes(120_000);
      writeFileSync(join(dir, "a.bin"), bytes);
      const codex = ["--home", home, "--backend", "codex", "--codex-url", server.url];
      const put = await runCliInProcess(["file", "put", join(dir, "a.bin"), ...codex]);
      expect(put.code, put.stderr).toBe(0);
      const { base64 } = JSON.parse(put.stdout) as { base64: string };
      const downloads = join(dir, "downloads");
      mkdirSync(downloads);
      const out = join(downloads, "a.bin");

      // The node never answers a download: the get is stuck with its temp file open when it is killed.
      server.inject("download", { kind: "hang", phase: "before-headers" }, { times: 1000 });
      const stuck = startCli(["file", "get", base64, "--out", out, ...codex]);
      const deadline = Date.now() + 30_000;
      while (readdirSync(downloads).length === 0 && Date.now() < deadline) await sleep(20);
      stuck.child.kill("SIGKILL");
      expect((await stuck.closed).signal, stuck.output.stderr).toBe("SIGKILL");
      server.clearFaults();
      const temp = readdirSync(downloads);
      expect(temp).toHaveLength(1);

      // The same reference cut short (a paste that lost its end): base64 still, not a FileReference.
      const mangled = base64.slice(0, 40);
      const bad = await runCliInProcess(["file", "get", mangled, "--out", out, ...codex]);
      expect(bad.code, bad.stderr).toBe(3);
      expect(bad.stderr).toContain("E_BAD_REFERENCE");
      expect(journalRows(home, `SELECT state FROM download_jobs WHERE dest_path = ?`, out).map((r) => r["state"])).not.toContain("cancelled");
      expect(readdirSync(downloads)).toEqual(temp);

      // The interrupted download is still there to resume.
      const again = await runCliInProcess(["file", "get", base64, "--out", out, ...codex]);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(journalRows(home, `SELECT state FROM download_jobs WHERE dest_path = ?`, out)).toEqual([{ state: "done" }]);
    } finally {
      await server.close();
    }
  }, 90_000);
});
