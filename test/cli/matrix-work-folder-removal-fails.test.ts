import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

const DEAF_WRITER_CHECK = join(import.meta.dirname, "support", "deaf-writer-check.ts");

describe("status-compat matrix: a work folder that cannot be removed at the end", () => {
  test("a check past its deadline leaving a process writing into the folder as it is removed: the report is still written and the status is the verdict's (1); the removal's ENOTEMPTY ended a finished run as an internal error (70) with the report lost", async () => {
    const tmp = tempDir("scc-cli-matrix-writer-");
    const r = await spawnCollecting(
      process.execPath,
      [...nodeArgs("src/cli/run.ts", { preload: [DEAF_WRITER_CHECK] }), "matrix", "--only", "storage", "--json", "--cell-timeout", "3"],
      { timeoutMs: 30_000, env: { TMPDIR: tmp } },
    );
    expect(r.stderr).toMatch(/deaf writer: writing on/);
    // The writer won the race for sure: the removal's last step waited for its next entry (Node 20;
    // a Node whose removal cannot be held says so, and runs the race as before).
    expect(r.stderr).toMatch(/deaf writer: (the removal's last rmdir \(.*\) waited for the writer's next entry|writing on; this Node's rmSync cannot be held)/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean };
    expect(report.ok).toBe(false);
    expect(r.stderr).toMatch(/status-compat matrix: could not remove its work folder .*status-compat-matrix-.* \(ENOTEMPTY; a check past its deadline may still write into it\); remove it by hand/);
    // The writer ends once the CLI has (it looks each turn); then the temp folder can go.
    await sleep(300);
  }, 60_000);
});
