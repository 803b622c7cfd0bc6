import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat matrix: the terminal goes away (SIGHUP: an ssh session dropped, a terminal window closed)", () => {
  test("the run stops as for Ctrl-C: the process ends by SIGHUP and leaves no status-compat-matrix-* work folder (state databases, stores) in the temp folder; SIGHUP's default ended it at once with the folder behind", async () => {
    const tmp = tempDir("scc-cli-matrix-hup-");
    const cli = startCli(["matrix", "--only", "storage"], { TMPDIR: tmp });
    const work = (): string[] => readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"));
    const storageCellRunning = (): boolean => work().some((name) => existsSync(join(tmp, name, "storage-2-to-3-older-to-newer")));
    const deadline = Date.now() + 30_000;
    while (!storageCellRunning() && Date.now() < deadline) await sleep(10);
    expect(storageCellRunning(), cli.output.stderr).toBe(true);
    cli.child.kill("SIGHUP");
    const ended = await cli.closed;
    expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: null, signal: "SIGHUP" });
    expect(work()).toEqual([]);
    expect(cli.output.stderr).toMatch(/status-compat matrix: interrupted \(SIGHUP\); nothing was reported/);
  }, 60_000);
});
