/**
 * The matrix must fail when a pair is broken, not only pass when it is whole. Each case here breaks
 * one thing a release does (through a module stand-in, switched on for that case only) and
 * requires the matrix to report the broken pair in the cells that exercise it.
 * Before the fixes these breaks passed 24/24: the wire and storage cells took the envelope's
 * readability from the code under test (a53ebb3), and both sides of the storage cell sealed and
 * planned with the same chunk and piece sizes.
 */
import { afterEach, describe, expect, test, vi } from "vitest";

const breaks = vi.hoisted(() => ({ ownMinReader: false, plansByOwnChunk: false }));

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

// A receiver that opens a shared file in its own default chunk size instead of the reference's.
vi.mock("../../src/storage/piece-plan.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/storage/piece-plan.js")>();
  return {
    ...original,
    planOfReference: (...[ref, maxPieceBytes]: Parameters<typeof original.planOfReference>) =>
      original.planOfReference(breaks.plansByOwnChunk ? { ...ref, encryption: { ...ref.encryption, chunkSize: 64 * 1024 } } : ref, maxPieceBytes),
  };
});

const { MATRIX_CHECKS, runMatrix } = await import("../../src/compat/index.js");

afterEach(() => {
  breaks.ownMinReader = false;
  breaks.plansByOwnChunk = false;
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

  test("a receiver that ignores the reference's chunk size fails the storage cells of both directions of the pair that shares files", async () => {
    breaks.plansByOwnChunk = true;
    const failed = await failedCells(["storage"]);
    expect(failed.sort()).toEqual(["0.2.0>0.3.0 storage", "0.3.0>0.2.0 storage"]);
  }, 60_000);
});
