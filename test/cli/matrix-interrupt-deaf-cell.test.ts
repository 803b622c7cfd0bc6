import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { preloadOption } from "../support/node-args.js";

// Relative to the child's working folder (the project root): NODE_OPTIONS splits on spaces, which a checkout's path may hold.
const DEAF_STORAGE_CHECK = "./test/cli/support/deaf-storage-check.ts";

describe("status-compat matrix: Ctrl-C while a cell's check ignores its signal", () => {
  test("one SIGINT ends the run within seconds, saying it was interrupted, with no work folder left; it waited for the cell's deadline (5 minutes by default) before it stopped", async () => {
    const tmp = tempDir("scc-cli-matrix-deaf-");
    const cli = startCli(["matrix", "--only", "storage"], { TMPDIR: tmp, NODE_OPTIONS: preloadOption(DEAF_STORAGE_CHECK) });
    await Promise.race([cli.stderrHas("deaf check: holding on"), cli.closed]);
    expect(cli.output.stderr).toMatch(/deaf check: holding on/);
    cli.child.kill("SIGINT");
    const sentAt = performance.now();
    const ended = await Promise.race([cli.closed, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 15_000))]);
    expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: null, signal: "SIGINT" });
    expect(performance.now() - sentAt).toBeLessThan(10_000);
    expect(cli.output.stderr).toMatch(/status-compat matrix: interrupted \(SIGINT\); nothing was reported/);
    expect(readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"))).toEqual([]);
  }, 60_000);
});
