import { describe, expect, test } from "vitest";
import { runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { runCliInProcess } from "../support/cli.js";

/** A check that hangs on the last pair's newer-to-older row (a regression that leaves a job unsettled), passes elsewhere. */
function hangingCheck(onSignal?: (signal: AbortSignal) => void): MatrixCheck {
  return {
    column: "storage",
    proves: "a stand-in that never settles on one row",
    async run({ direction, pair, signal }) {
      if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
        onSignal?.(signal);
        return new Promise<never>(() => undefined);
      }
      return { status: "pass", detail: "ok" };
    },
  };
}

const within = <T>(ms: number, p: Promise<T>): Promise<T | "still running"> =>
  Promise.race([p, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms))]);

describe("runMatrix: a cell that does not finish", () => {
  test("fails at its deadline (cellTimeoutMs), saying so, and the matrix goes on to a report that is not ok; the run never ended (CI waited for its job timeout, hours, with no report)", async () => {
    const report = await within(5_000, runMatrix({ checks: [hangingCheck()], cellTimeoutMs: 300 }));
    expect(report).not.toBe("still running");
    if (report === "still running") return;
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ pass: releaseTable.adjacentPairs().length * 2 - 1, fail: 1 });
    const hung = report.rows.at(-1)?.cells.storage;
    expect(hung?.status).toBe("fail");
    expect(hung?.detail).toMatch(/did not finish within 0\.3 s/);
    expect(hung?.ms).toBeGreaterThanOrEqual(290);
  });

  test("the failed cell names the option to raise, runMatrix's: it said 'raise the cell timeout', which neither a CI engineer nor a script author could find under that name, then named the CLI's flag too, which a script does not have", async () => {
    const report = await runMatrix({ checks: [hangingCheck()], cellTimeoutMs: 100 });
    const detail = report.rows.at(-1)?.cells.storage?.detail ?? "";
    expect(detail).toMatch(/did not finish within 0\.1 s/);
    expect(detail).toContain("runMatrix's cellTimeoutMs");
    expect(detail).not.toContain("--cell-timeout");
    expect(detail).not.toContain("raise the cell timeout");
  });

  test("a caller names the deadline in its own words (cellTimeoutName; the CLI's --cell-timeout), and only those; a name that is no words is a TypeError before anything runs", async () => {
    const report = await runMatrix({ checks: [hangingCheck()], cellTimeoutMs: 100, cellTimeoutName: "the job's MATRIX_CELL_SECONDS" });
    const detail = report.rows.at(-1)?.cells.storage?.detail ?? "";
    expect(detail).toContain("raise the cell's deadline, the job's MATRIX_CELL_SECONDS)");
    expect(detail).not.toMatch(/cellTimeoutMs|--cell-timeout/);
    for (const bad of ["", "  ", 5, null]) {
      await expect(runMatrix({ checks: [hangingCheck()], cellTimeoutName: bad as string })).rejects.toThrow(/cellTimeoutName/);
    }
  });

  test("the cell's signal is aborted at its deadline, so a check that listens can let go of what it holds; the run is not taken for interrupted", async () => {
    let seen: AbortSignal | undefined;
    const report = await within(5_000, runMatrix({ checks: [hangingCheck((s) => (seen = s))], cellTimeoutMs: 200 }));
    expect(report).not.toBe("still running");
    expect(seen?.aborted).toBe(true);
  });

  test("progress says which cell was abandoned (its check still unsettled at the deadline), so the CLI can end its process once the report is out; a check that gives up when its signal is aborted is not", async () => {
    const abandoned: boolean[] = [];
    await runMatrix({ checks: [hangingCheck()], cellTimeoutMs: 200, onCell: (p) => abandoned.push(p.abandoned) });
    expect(abandoned).toEqual([...abandoned.slice(0, -1).map(() => false), true]);
    const listening: MatrixCheck = {
      column: "storage",
      proves: "gives up when told",
      run: ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true })),
    };
    const seen: boolean[] = [];
    await runMatrix({ checks: [listening], cellTimeoutMs: 100, onCell: (p) => seen.push(p.abandoned) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((a) => !a)).toBe(true);
  });

  test("a cellTimeoutMs past what a Node timer holds (about 24.8 days: a CI engineer's 'no limit') is no deadline within the run; Node's timer overflowed to 1 ms and every cell that awaited anything failed 'did not finish'", async () => {
    const slowish: MatrixCheck = {
      column: "storage",
      proves: "takes 20 ms",
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { status: "pass", detail: "ok" };
      },
    };
    const report = await runMatrix({ checks: [slowish], cellTimeoutMs: 9_999_999_000 });
    expect(report.counts, JSON.stringify(report.rows)).toEqual({ pass: releaseTable.adjacentPairs().length * 2, fail: 0 });
  });

  test("a cellTimeoutMs that is not a positive whole number of ms is refused with a RangeError before anything runs", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(runMatrix({ checks: [hangingCheck()], cellTimeoutMs: bad })).rejects.toThrow(RangeError);
    }
  });
});

describe("status-compat matrix --cell-timeout", () => {
  test("takes seconds (a slow CI machine raises it); anything but a positive number is a usage error (exit 2) before the matrix runs", async () => {
    const ok = await runCliInProcess(["matrix", "--only", "wire", "--json", "--cell-timeout", "0.5"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    for (const bad of ["0", "-3", "soon", "", "0.0001"]) {
      const r = await runCliInProcess(["matrix", "--only", "wire", `--cell-timeout=${bad}`]);
      expect(r.code, bad).toBe(2);
      // 0.0001 s rounds to no milliseconds: its line says the least (test/cli/matrix-usage-values.test.ts).
      expect(r.stderr).toMatch(/error\[E_USAGE\]: matrix: --cell-timeout must be (a positive number of seconds|a number of seconds of at least 0\.001)/);
      expect(r.stdout).toBe("");
    }
  });

  test("a very large --cell-timeout (9999999 s) lets the state cells run to their end (exit 0); they failed at once, 'did not finish within 9999999 s'", async () => {
    const r = await runCliInProcess(["matrix", "--only", "state", "--json", "--cell-timeout", "9999999"]);
    expect(r.code, r.stdout.slice(0, 2000)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  }, 60_000);
});
