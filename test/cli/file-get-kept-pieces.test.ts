/**
 * A `file get` whose download fails keeping its verified pieces (an outage: the node answers 503 for
 * one piece after every attempt, the other verified) printed the library's advice, "retry(), or the client's next start,
 * goes on from those": an API call and a client a CLI user does not have. It now says to run the same
 * command again, which starts a client that resumes the job from those pieces; doing so fetches only
 * the piece that failed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { secondPieceOutage } from "./support/second-piece-outage.js";

describe("file get failing with its verified pieces kept", () => {
  test("says to run the same command again (not retry()), and running it fetches only the missing piece", async () => {
    const { proxy, dir, home, bytes, printed, restore, close } = await secondPieceOutage("scc-cli-kept-pieces-");
    try {
      const out = join(dir, "copy.mp4");
      const get = ["file", "get", printed.base64, "--out", out, "--home", home, "--backend", "codex", "--codex-url", proxy.url, "--attempts", "2"];

      const failed = await runCliInProcess(get);
      expect(failed.code, failed.stderr).toBe(5);
      expect(failed.stderr).toContain("with 1 pieces verified into its temp file; running the same command again (same reference, --out and home) goes on from those");
      expect(failed.stderr).not.toContain("retry()");
      expect(failed.stderr).not.toContain("next start");

      restore();
      const first = (printed.pieces[0] as { cid: string }).cid;
      const before = proxy.stats.history.length;
      const again = await runCliInProcess(get);
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      const fetchedAgain = proxy.stats.history.slice(before).filter((r) => r.path.includes(first));
      expect(fetchedAgain, "the verified piece is not fetched again").toEqual([]);
    } finally {
      await close();
    }
  });
});
