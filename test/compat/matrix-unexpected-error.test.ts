/**
 * A check that throws an error that is not the project's (a bug: a TypeError, a raw Node error) made
 * its cell's detail the error's whole stack, so the table's failure list ran over a dozen lines of
 * "    at …" and the next failures were lost among them in a CI log. The cell's detail is now the
 * error's name and message on one line; the stack stays in the report (the cell's `stack`, in --json)
 * and the text table prints it after the failures, before the verdict, which stays the last line.
 */
import { describe, expect, test } from "vitest";
import { renderMatrixText, runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { releaseTable } from "../../src/versions/index.js";

/** Throws a TypeError whose message has a line break on the newest pair's newer-to-older row, passes elsewhere. */
const throwing: MatrixCheck = {
  column: "wire",
  proves: "a stand-in that throws a bug on one row",
  async run({ direction, pair }) {
    if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
      throw new TypeError("Cannot read properties of undefined (reading 'payload')\nwhile reading the sample");
    }
    return { status: "pass", detail: "ok" };
  },
};

describe("runMatrix: a check that throws an unexpected error", () => {
  test("the cell's detail is the error's name and message on one line; its stack is the cell's stack, not the detail", async () => {
    const report = await runMatrix({ checks: [throwing] });
    const cell = report.rows.at(-1)?.cells.wire;
    expect(cell?.status).toBe("fail");
    expect(cell?.detail).toBe("unexpected TypeError: Cannot read properties of undefined (reading 'payload') while reading the sample");
    expect(cell?.stack).toMatch(/^TypeError: Cannot read properties[\s\S]*\n\s+at /);
    expect(report.rows.slice(0, -1).every((r) => r.cells.wire?.stack === undefined)).toBe(true);
  });

  test("the text table keeps one line per failure; the stack follows the failures, and the verdict stays the last line", async () => {
    const report = await runMatrix({ checks: [throwing] });
    const lines = renderMatrixText(report).trimEnd().split("\n");
    const failures = lines.indexOf("failures:");
    const stacks = lines.indexOf("stacks of unexpected errors (a bug: report it with these):");
    expect(failures).toBeGreaterThan(0);
    expect(stacks).toBeGreaterThan(failures);
    const failureLines = lines.slice(failures + 1, stacks).filter((l) => l.length > 0);
    expect(failureLines).toHaveLength(1);
    expect(failureLines[0]).toMatch(/wire: FAIL \(\d+ ms\) unexpected TypeError: Cannot read properties of undefined \(reading 'payload'\) while reading the sample$/);
    expect(lines.slice(stacks + 1).some((l) => /^\s+at /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^verdict: BROKEN, 1 of \d+ cells fail/);
  });
});
