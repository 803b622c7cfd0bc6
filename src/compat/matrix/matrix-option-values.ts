import { describedValue } from "../../errors/index.js";
import { loggerProblem } from "../../obs/index.js";
import { MATRIX_COLUMNS, type MatrixCheck } from "./matrix-types.js";

/**
 * Refuses runMatrix option values it cannot use, before any cell runs (the keys and the signal are
 * assertKnownOptions'). A CI script builds these from its settings: `checks: ["wire"]` (the columns,
 * as `--only` names them) ran and reported every pair broken ("check.run is not a function"), which
 * told CI the releases did not interoperate; `checks: []` resolved "BROKEN, 0 of 0 cells fail"; the
 * others failed later with raw errors naming no option. A wrong type is a TypeError, a value out of
 * range (an empty list, a timeout) a RangeError, each naming the option and the value.
 */
export function assertMatrixOptionValues(options: {
  readonly table?: unknown;
  readonly checks?: unknown;
  readonly logger?: unknown;
  readonly workDir?: unknown;
  readonly cellTimeoutMs?: unknown;
  readonly cellTimeoutName?: unknown;
  readonly onCell?: unknown;
}): void {
  const { table, checks, logger, workDir, cellTimeoutMs, cellTimeoutName, onCell } = options;
  if (checks !== undefined) assertChecks(checks);
  if (cellTimeoutMs !== undefined && (typeof cellTimeoutMs !== "number" || !Number.isSafeInteger(cellTimeoutMs) || cellTimeoutMs <= 0)) {
    throw new RangeError(`cellTimeoutMs must be a positive whole number of milliseconds; it was ${describedValue(cellTimeoutMs)}`);
  }
  if (cellTimeoutName !== undefined && (typeof cellTimeoutName !== "string" || cellTimeoutName.trim() === "")) {
    throw new TypeError(`runMatrix option cellTimeoutName must be the words naming the cell's deadline (a string that is not empty), not ${describedValue(cellTimeoutName)}`);
  }
  if (onCell !== undefined && typeof onCell !== "function") throw new TypeError(`runMatrix option onCell must be a function, not ${describedValue(onCell)}`);
  if (workDir !== undefined && typeof workDir !== "string") throw new TypeError(`runMatrix option workDir must be a folder's path (a string), not ${describedValue(workDir)}`);
  const notLogger = logger === undefined ? undefined : loggerProblem(logger);
  if (notLogger !== undefined) throw new TypeError(`runMatrix option logger must be a logger (createLogger(), silentLogger()), not ${notLogger}`);
  if (table !== undefined && typeof (table as { adjacentPairs?: unknown } | null)?.adjacentPairs !== "function") {
    throw new TypeError(`runMatrix option table must be a ReleaseTable (releaseTable, or new ReleaseTable(json)), not ${describedValue(table)}`);
  }
}

function assertChecks(checks: unknown): asserts checks is readonly MatrixCheck[] {
  if (!Array.isArray(checks)) throw new TypeError(`runMatrix option checks must be an array of checks (MATRIX_CHECKS or some of them), not ${describedValue(checks)}`);
  if (checks.length === 0) throw new RangeError("runMatrix option checks must hold at least one check (leave it out for every one); an empty list checks nothing");
  const at = new Map<string, number>();
  checks.forEach((check: unknown, i) => {
    const c = check as Partial<MatrixCheck> | null;
    if (typeof check !== "object" || c === null || typeof c.run !== "function") {
      const example = typeof check === "string" ? `, e.g. MATRIX_CHECKS.filter((c) => c.column === ${JSON.stringify(check)})` : "";
      throw new TypeError(`runMatrix option checks must hold checks (MATRIX_CHECKS or some of them${example}), not ${describedValue(check)} at ${i}`);
    }
    if (!(MATRIX_COLUMNS as readonly unknown[]).includes(c.column)) {
      throw new TypeError(`runMatrix option checks: the check at ${i} has column ${typeof c.column === "string" ? JSON.stringify(c.column) : describedValue(c.column)}, which is not one of ${MATRIX_COLUMNS.join(", ")}`);
    }
    const column = c.column as string;
    const first = at.get(column);
    if (first !== undefined) throw new TypeError(`runMatrix option checks: column ${JSON.stringify(column)} is given twice (at ${first} and ${i})`);
    at.set(column, i);
  });
}
