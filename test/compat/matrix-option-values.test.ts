/**
 * A CI script builds runMatrix's options from its own settings, as the CLI builds them from flags.
 * A wrong value was taken: `checks: ["wire"]` (the columns, as `--only wire` names them) ran and
 * reported every pair BROKEN ("unexpected TypeError: check.run is not a function" in a column
 * named "undefined"), which told CI the releases did not interoperate; `checks: []` resolved
 * `ok: false` with "verdict: BROKEN, 0 of 0 cells fail ()"; `onCell: 5` threw a raw TypeError after
 * the first cell; `workDir: 5` Node's ERR_INVALID_ARG_TYPE naming a "path" argument; and
 * `cellTimeoutMs: "5000"` was refused saying "it was 5000", a value that is fine. Each is refused
 * now, naming the option and the value, before any cell runs.
 */
import { expect, test } from "vitest";
import { MATRIX_CHECKS, runMatrix, type MatrixCheck, type RunMatrixOptions } from "../../src/compat/index.js";

function countingCheck(): { check: MatrixCheck; runs: () => number } {
  let ran = 0;
  const check: MatrixCheck = { column: "wire", proves: "counts its runs", run: async () => ((ran += 1), { status: "pass", detail: "ok" }) };
  return { check, runs: () => ran };
}

test.each([
  [{ checks: ["wire"] }, new TypeError('runMatrix option checks must hold checks (MATRIX_CHECKS or some of them, e.g. MATRIX_CHECKS.filter((c) => c.column === "wire")), not the string "wire" at 0')],
  [{ checks: "wire" }, new TypeError('runMatrix option checks must be an array of checks (MATRIX_CHECKS or some of them), not the string "wire"')],
  [{ checks: [] }, new RangeError("runMatrix option checks must hold at least one check (leave it out for every one); an empty list checks nothing")],
  [{ checks: [{ column: "wires", proves: "", run: async () => ({ status: "pass", detail: "" }) }] }, new TypeError('runMatrix option checks: the check at 0 has column "wires", which is not one of schema, negotiate, wire, forward, state, storage, bridge')],
  [{ cellTimeoutMs: "5000" }, new RangeError('cellTimeoutMs must be a positive whole number of milliseconds; it was the string "5000"')],
  [{ onCell: 5 }, new TypeError("runMatrix option onCell must be a function, not 5")],
  [{ workDir: 5 }, new TypeError("runMatrix option workDir must be a folder's path (a string), not 5")],
  [{ logger: "debug" }, new TypeError('runMatrix option logger must be a logger (createLogger(), silentLogger()), not the string "debug"')],
  // The one logger check of src/obs: an object with child() alone was taken before, and one that is its own child failed at the first line logged.
  [{ logger: console }, new TypeError("runMatrix option logger must be a logger (createLogger(), silentLogger()), not console (it has no child())")],
  [{ logger: { child() { return this; } } }, new TypeError("runMatrix option logger must be a logger (createLogger(), silentLogger()), not an object without debug(), info(), warn()")],
  [{ table: { rows: [] } }, new TypeError("runMatrix option table must be a ReleaseTable (releaseTable, or new ReleaseTable(json)), not an object")],
])("%o is refused naming the option and the value, before any cell runs", async (options, refusal) => {
  const { check, runs } = countingCheck();
  const given = { checks: [check], ...options } as unknown as RunMatrixOptions;
  await expect(runMatrix(given)).rejects.toThrow(refusal);
  await expect(runMatrix(given)).rejects.toBeInstanceOf(refusal.constructor);
  expect(runs()).toBe(0);
});

test("a check given twice is refused: its second cell replaced the first in the report, counted once", async () => {
  const { check, runs } = countingCheck();
  await expect(runMatrix({ checks: [check, check] })).rejects.toThrow(new TypeError('runMatrix option checks: column "wire" is given twice (at 0 and 1)'));
  expect(runs()).toBe(0);
});

test("the values the CLI passes still run: a subset of MATRIX_CHECKS, a whole number of milliseconds, a function", async () => {
  const { check, runs } = countingCheck();
  const seen: string[] = [];
  const report = await runMatrix({ checks: [check], cellTimeoutMs: 5_000, onCell: ({ column }) => seen.push(column) });
  expect(report.ok).toBe(true);
  expect(runs()).toBe(report.counts.pass);
  expect(seen.length).toBe(report.counts.pass);
  const negotiate = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "negotiate") });
  expect(negotiate.columns).toEqual(["negotiate"]);
  expect(negotiate.ok).toBe(true);
});
