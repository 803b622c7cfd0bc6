/**
 * `file get --out LINK` is written through to the file the link names (78e28d6), so its download is
 * journaled to that file: run again after it failed keeping its verified pieces (an outage), the
 * same command finds it by the same link and goes on from those pieces, the temp file beside the
 * named file, never beside the link, and the link stays. In process, a Codex test node on 127.0.0.1
 * behind a proxy answering 503 for one piece.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { secondPieceOutage } from "./support/second-piece-outage.js";

test("a get to a link that failed keeping its pieces goes on from them when run again, and the link stays", async () => {
  const { proxy, dir, home, bytes, printed, restore, close } = await secondPieceOutage("scc-cli-out-link-resume-");
  try {
    mkdirSync(join(dir, "library"));
    const real = join(dir, "library", "video.mp4");
    const link = join(dir, "latest.mp4");
    symlinkSync(real, link);
    const get = ["file", "get", printed.base64, "--out", link, "--home", home, "--backend", "codex", "--codex-url", proxy.url, "--attempts", "2"];

    const failed = await runCliInProcess(get);
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toContain("with 1 pieces verified into its temp file");
    expect(readdirSync(join(dir, "library")).filter((name) => name.endsWith(".part")), "the temp file is beside the named file").toHaveLength(1);
    expect(readdirSync(dir).filter((name) => name.endsWith(".part"))).toEqual([]);

    restore();
    const first = (printed.pieces[0] as { cid: string }).cid;
    const before = proxy.stats.history.length;
    const again = await runCliInProcess(get);
    expect(again.code, again.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink(), "the link was replaced by the file").toBe(true);
    expect(readFileSync(real).equals(bytes)).toBe(true);
    expect(proxy.stats.history.slice(before).filter((r) => r.path.includes(first)), "the verified piece is not fetched again").toEqual([]);
    expect(readdirSync(join(dir, "library"))).toEqual(["video.mp4"]);
  } finally {
    await close();
  }
});
