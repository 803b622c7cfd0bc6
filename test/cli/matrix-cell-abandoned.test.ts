import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";

const DEAF_STORAGE_CHECK = join(import.meta.dirname, "support", "deaf-storage-check.ts");

describe("status-compat matrix: a cell past its deadline whose check ignores its signal", () => {
  test("the process ends with the report's status (1) once the report is written; it stayed alive, held by the check, until the CI job's own timeout", async () => {
    const started = performance.now();
    const r = await spawnCollecting(
      process.execPath,
      [...nodeArgs("src/cli/run.ts", { preload: [DEAF_STORAGE_CHECK] }), "matrix", "--only", "storage", "--json", "--cell-timeout", "0.5"],
      { timeoutMs: 20_000 },
    );
    const tookMs = performance.now() - started;
    // Ended by itself with the report's status, not by the SIGTERM of the timeout above (code 128).
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    expect(r.stderr).toMatch(/deaf check: holding on/);
    const report = JSON.parse(r.stdout) as { ok: boolean; rows: { cells: { storage?: { status: string; detail: string } } }[] };
    expect(report.ok).toBe(false);
    expect(report.rows.at(-1)?.cells.storage).toMatchObject({ status: "fail", detail: expect.stringMatching(/did not finish within 0\.5 s/) });
    // A CLI user is told of the flag, not of runMatrix's option, which the package does not export.
    expect(report.rows.at(-1)?.cells.storage?.detail).toContain("raise the cell's deadline, status-compat matrix --cell-timeout SECONDS)");
    expect(report.rows.at(-1)?.cells.storage?.detail).not.toContain("cellTimeoutMs");
    expect(tookMs).toBeLessThan(15_000);
  }, 30_000);
});
