/**
 * The matrix must fail when a pair is broken, not only pass when it is whole. Each case here breaks
 * one thing a release does (through a module stand-in, switched on for that case only) and
 * requires the matrix to report the broken pair in the cells that exercise it.
 * Before the fixes these breaks passed 24/24: the wire and storage cells took the envelope's
 * readability from the code under test.
 */
import { afterEach, describe, expect, test, vi } from "vitest";

const breaks = vi.hoisted(() => ({ ownMinReader: false }));

// A newer release that marks what it writes at its own version readable only by its own version:
// min_reader = version (a writer may set it higher than the rule, so the wire accepts it), which
// every 0.2.0 reader then refuses with the fallback text, though it reads protocol 3 envelopes.
vi.mock("../../src/negotiate/choose-write-version.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/negotiate/choose-write-version.js")>();
  return {
    ...original,
    chooseWriteVersion: (...args: Parameters<typeof original.chooseWriteVersion>) => {
      const choice = original.chooseWriteVersion(...args);
      return breaks.ownMinReader && choice.version >= 3 ? { ...choice, minReader: choice.version } : choice;
    },
  };
});

const { MATRIX_CHECKS, runMatrix } = await import("../../src/compat/index.js");

afterEach(() => {
  breaks.ownMinReader = false;
});

/** "writer>reader column" of every failed cell. */
async function failedCells(columns: readonly string[]): Promise<string[]> {
  const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => columns.includes(c.column)) });
  expect(report.ok).toBe(false);
  return report.rows.flatMap((r) => Object.entries(r.cells).filter(([, c]) => c.status === "fail").map(([column]) => `${r.writer}>${r.reader} ${column}`));
}

describe("the matrix fails a broken pair", () => {
  test("0.3.0 envelopes that 0.2.0 is promised to open (an N reader opens N+1) but refuses with the fallback text fail the 0.3.0 → 0.2.0 wire and storage cells", async () => {
    breaks.ownMinReader = true;
    const failed = await failedCells(["wire", "storage"]);
    expect(failed.sort()).toEqual(["0.3.0>0.2.0 storage", "0.3.0>0.2.0 wire"]);
  }, 60_000);

});
