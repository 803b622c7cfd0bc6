/**
 * A `file get` whose download fails keeping its verified pieces (an outage: the node answers 503 for
 * one piece after every attempt, the other verified) printed the library's advice, "retry(), or the client's next start,
 * goes on from those": an API call and a client a CLI user does not have. It now says to run the same
 * command again, which starts a client that resumes the job from those pieces; doing so fetches only
 * the piece that failed.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { startFaultProxy } from "../support/fault-proxy/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("file get failing with its verified pieces kept", () => {
  test("says to run the same command again (not retry()), and running it fetches only the missing piece", async () => {
    const server = await startCodexTestServer();
    const down = { piece: "" };
    const proxy = await startFaultProxy({
      target: server.url,
      faultRate: 1,
      // Retry-After: the failing piece ends its attempts 3 s later, once the other is verified and journaled (a run that verified none keeps none).
      randomFaults: [{ kind: "status", status: 503, body: "busy", headers: { "Retry-After": "3" } }],
      eligible: (request) => down.piece !== "" && request.path.includes(down.piece),
    });
    try {
      const dir = tempDir("scc-cli-kept-pieces-");
      const path = join(dir, "video.mp4");
      // Two pieces of the default 4 MiB.
      const bytes = randomBytes(4 * 1024 * 1024 + 10_000);
      writeFileSync(path, bytes);
      const home = join(dir, "home");
      const put = await runCliInProcess(["file", "put", path, "--home", home, "--backend", "codex", "--codex-url", server.url]);
      expect(put.code, put.stderr).toBe(0);
      const printed = JSON.parse(put.stdout) as { base64: string; pieces: { cid: string }[] };
      expect(printed.pieces).toHaveLength(2);
      down.piece = (printed.pieces[1] as { cid: string }).cid;
      const out = join(dir, "copy.mp4");
      const get = ["file", "get", printed.base64, "--out", out, "--home", home, "--backend", "codex", "--codex-url", proxy.url, "--attempts", "2"];

      const failed = await runCliInProcess(get);
      expect(failed.code, failed.stderr).toBe(5);
      expect(failed.stderr).toContain("with 1 pieces verified into its temp file; running the same command again (same reference, --out and home) goes on from those");
      expect(failed.stderr).not.toContain("retry()");
      expect(failed.stderr).not.toContain("next start");

      down.piece = "";
      const first = (printed.pieces[0] as { cid: string }).cid;
      const before = proxy.stats.history.length;
      const again = await runCliInProcess(get);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      const fetchedAgain = proxy.stats.history.slice(before).filter((r) => r.path.includes(first));
      expect(fetchedAgain, "the verified piece is not fetched again").toEqual([]);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
