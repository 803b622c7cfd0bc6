import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { releaseTable } from "../../src/versions/index.js";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { preloadOption } from "../support/node-args.js";

// Relative to the child's working folder (the project root): NODE_OPTIONS splits on spaces, which a checkout's path may hold.
const BIG_WORK_FOLDER_CHECK = "./test/cli/support/big-work-folder-check.ts";

describe("status-compat matrix: a signal while the work folder is removed", () => {
  test("SIGTERM as the last cell ends (the removal of a big work folder under way): the whole folder is removed, the process says it was interrupted and ends by SIGTERM; it stopped watching before the removal, so the signal killed it half-way and the rest stayed in the temp folder", async () => {
    const tmp = tempDir("scc-cli-matrix-removal-");
    const cli = startCli(["matrix", "--only", "storage"], { TMPDIR: tmp, NODE_OPTIONS: preloadOption(BIG_WORK_FOLDER_CHECK) });
    const rows = releaseTable.rows;
    const newest = rows.at(-1)?.release as string;
    const older = rows.at(-2)?.release as string;
    // The last cell's progress line: the run then returns and the folder's removal begins.
    await Promise.race([cli.stderrHas(`cell ${newest} → ${older} storage: pass`), cli.closed]);
    expect(cli.output.stderr).toMatch(/filler check: work folder filled/);
    cli.child.kill("SIGTERM");
    const ended = await cli.closed;
    expect(readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-")), cli.output.stderr.slice(-2000)).toEqual([]);
    expect(ended).toEqual({ code: null, signal: "SIGTERM" });
    expect(cli.output.stderr).toMatch(/status-compat matrix: interrupted \(SIGTERM\); nothing was reported/);
    expect(cli.output.stdout).toBe("");
  }, 120_000);
});
