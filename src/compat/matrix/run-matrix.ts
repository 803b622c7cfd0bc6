import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger, type Logger } from "../../obs/index.js";
import { isCompatError, assertKnownOptions, keysOf } from "../../errors/index.js";
import { releaseProfile, releaseTable as defaultTable, type Release, type ReleaseTable } from "../../versions/index.js";
import { MATRIX_CHECKS } from "./checks/index.js";
import { DEFAULT_CELL_TIMEOUT_MS } from "./matrix-constants.js";
import { diskRefusalOf } from "./disk-refusal.js";
import { assertMatrixOptionValues } from "./matrix-option-values.js";
import { SchemaCheckError } from "../schema-check/index.js";
import type { CellResult, DirectionContext, MatrixCheck, MatrixColumn, MatrixReport, MatrixRow, PairScope } from "./matrix-types.js";

export interface MatrixProgress {
  readonly writer: string;
  readonly reader: string;
  readonly column: MatrixColumn;
  readonly result: CellResult;
  /**
   * The cell's check had not settled at its deadline and ignored its aborted signal: it may still
   * run, holding what it opened (timers, sockets, files); the matrix went on without it.
   */
  readonly abandoned: boolean;
}

export interface RunMatrixOptions {
  table?: ReleaseTable;
  /** Defaults to every check the project has. */
  checks?: readonly MatrixCheck[];
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * A folder of the caller's for the run's files (state databases, stores): it must exist (else the
   * run rejects with a RangeError before any cell), and the
   * run leaves it for the caller to remove, as it cannot hear what may end the process before its
   * own clean-up (the CLI removes it on a second Ctrl-C). By default the run makes one in the OS
   * temp folder and removes it at the end; when that removal fails (ENOTEMPTY: a check abandoned
   * past its deadline still writes into it) the report says so in `leftoverWorkDir`.
   */
  workDir?: string;
  /**
   * How long one cell may take (default DEFAULT_CELL_TIMEOUT_MS): past it the cell fails, saying
   * so, its signal is aborted and the matrix goes on. Without a deadline a check that hung (a
   * regression leaving a job unsettled) held the run, and the CI job, with no report.
   */
  cellTimeoutMs?: number;
  /**
   * How a cell past its deadline names the setting to raise, in the caller's words: the CLI passes
   * `status-compat matrix --cell-timeout SECONDS`; by default `runMatrix's cellTimeoutMs`. One name
   * for both told a CLI user of an option the package does not export, and a script's author of a flag.
   */
  cellTimeoutName?: string;
  /** Called after each cell, for progress output. */
  onCell?: (progress: MatrixProgress) => void;
}

/** The keys RunMatrixOptions has (the compiler holds the two together); runMatrix refuses any other. */
const RUN_MATRIX_OPTIONS = keysOf<RunMatrixOptions>()({
  table: true,
  checks: true,
  logger: true,
  signal: true,
  workDir: true,
  cellTimeoutMs: true,
  cellTimeoutName: true,
  onCell: true,
});

function pairScope(older: Release, newer: Release, table: ReleaseTable, signal: AbortSignal): PairScope {
  const memo = new Map<string, Promise<unknown>>();
  return {
    older,
    newer,
    table,
    once<T>(key: string, make: (signal: AbortSignal) => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (p === undefined) {
        p = make(signal);
        memo.set(key, p);
      }
      return p;
    },
  };
}

/**
 * A tool a check needs that could not run (buf missing, as after `npm ci --omit=optional`, failing
 * or hung) proves nothing about the pair: the run stops with that error (the CLI's exit 2, as the
 * schema check's) rather than reporting the pair broken, which told CI the releases did not
 * interoperate.
 */
const TOOL_ERRORS: ReadonlySet<string> = new Set(["E_TOOL_MISSING", "E_TOOL_FAILED"]);

/**
 * The longest delay a Node timer holds (about 24.8 days); a longer one fires after 1 ms, which
 * failed every cell of a run given a large --cell-timeout (a CI engineer's "no limit") at once.
 * A deadline past it is none within any run.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long a check whose deadline passed has to let go once its signal is aborted (close its
 * clients and files) before the matrix moves on and calls it abandoned.
 */
const ABORT_GRACE_MS = 1_000;

/** Whether `work` settles (either way) within `ms`. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A cell's detail is one line of the table: line breaks in an error's message become spaces. */
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, " ");

async function runCell(check: MatrixCheck, ctx: DirectionContext, timeoutMs: number, timeoutName: string): Promise<{ result: CellResult; abandoned: boolean }> {
  const start = performance.now();
  const deadline = new AbortController();
  // The check's signal: the run's or the deadline's. Not AbortSignal.any: on Node 20 it leaves an
  // entry on the run's signal (a caller's, maybe long-lived) per cell until that signal fires.
  const cell = new AbortController();
  const timedOut = (): CellResult => ({
    status: "fail",
    // The caller's name for it: "the cell timeout" was an option neither a CI engineer nor a script's author found by that name.
    detail: `did not finish within ${timeoutMs / 1000} s (it hangs, or the machine is that slow: raise the cell's deadline, ${timeoutName}); the other cells ran`,
    ms: performance.now() - start,
  });
  let timer: NodeJS.Timeout | undefined;
  // Referenced: a check waiting on nothing that keeps the process alive must still reach its deadline.
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => {
      deadline.abort(new Error(`the matrix cell's deadline (${timeoutMs} ms) passed`));
      cell.abort(deadline.signal.reason);
      resolve("expired");
    }, Math.min(timeoutMs, MAX_TIMER_MS));
  });
  // Ctrl-C stops the run after this cell: one whose check ignores its signal is not waited for
  // past the grace (it held the run until the cell's deadline, five minutes by default).
  let onInterrupt: (() => void) | undefined;
  const interrupted = new Promise<"interrupted">((resolve) => {
    onInterrupt = () => {
      cell.abort(ctx.signal.reason);
      resolve("interrupted");
    };
    if (ctx.signal.aborted) onInterrupt();
    else ctx.signal.addEventListener("abort", onInterrupt, { once: true });
  });
  try {
    const running = (async () => check.run({ ...ctx, signal: cell.signal }))();
    const outcome = await Promise.race([running, expired, interrupted]);
    if (outcome === "interrupted") {
      await settlesWithin(running, ABORT_GRACE_MS);
      throw ctx.signal.reason;
    }
    if (outcome === "expired") return { result: timedOut(), abandoned: !(await settlesWithin(running, Math.min(timeoutMs, ABORT_GRACE_MS))) };
    return { result: { ...outcome, ms: performance.now() - start }, abandoned: false };
  } catch (error) {
    ctx.signal.throwIfAborted();
    // The check gave up when its deadline aborted its signal.
    if (deadline.signal.aborted) return { result: timedOut(), abandoned: false };
    if (isCompatError(error) && TOOL_ERRORS.has(error.code)) throw error;
    // Nor does a work folder whose disk refused a write (full, over a limit): reported as a broken pair, it told CI the releases did not interoperate.
    if (diskRefusalOf(error) !== undefined) throw error;
    if (isCompatError(error)) return { result: { status: "fail", detail: oneLine(`${error.code}: ${error.message}`), ms: performance.now() - start }, abandoned: false };
    // A bug's stack as the detail ran over a dozen lines inside the table's failures: the detail is
    // its message on one line, the stack the cell's own (in --json, and after the text table's failures).
    const stack = error instanceof Error && typeof error.stack === "string" ? { stack: error.stack } : {};
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { result: { status: "fail", detail: oneLine(`unexpected ${what}`), ms: performance.now() - start, ...stack }, abandoned: false };
  } finally {
    clearTimeout(timer);
    if (onInterrupt !== undefined) ctx.signal.removeEventListener("abort", onInterrupt);
  }
}

/** A finished run's report, and the work folder of its own it could not remove (if any). */
export interface MatrixRunReport extends MatrixReport {
  /**
   * Set only when the run made its own work folder (no `workDir` given) and could not remove it at
   * the end (ENOTEMPTY: a check abandoned past its deadline, or a process it started, still writes
   * into it): the caller's to remove once that has stopped. The failure is also logged (warn).
   * The report stands: a leftover folder says nothing about the pairs.
   */
  readonly leftoverWorkDir?: string;
}

/**
 * Removes the run's own work folder, in one synchronous call: a removal in steps let an abandoned
 * check's writes in between them. Its failure is returned and logged, not thrown: thrown from the
 * run's `finally` it lost a finished run's report, or replaced the signal's reason of a stopped run.
 */
function removeOwnWorkDir(workDir: string, logger: Logger): string | undefined {
  try {
    rmSync(workDir, { recursive: true, force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    logger.warn({ workDir, code }, "the matrix could not remove its work folder; remove it by hand");
    return workDir;
  }
}

/**
 * The run's own work folder in the OS temp folder. A TMPDIR naming nothing or a file, read-only or
 * full rejected the run with Node's raw ENOENT / ENOTDIR / ENOSPC, which a caller could not tell
 * from a bug (the CLI's exit 70): the compat layer's E_WORK_DIR, naming the folder, before any cell.
 */
function makeOwnWorkDir(): string {
  const parent = tmpdir();
  try {
    return mkdtempSync(join(parent, "status-compat-matrix-"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new SchemaCheckError(
      "E_WORK_DIR",
      `the matrix cannot make its work folder in ${parent} (${code}): point TMPDIR at a folder that exists, is writable and has free space, or pass workDir. Nothing was run.`,
      { cause: error, details: { path: parent, code } },
    );
  }
}

/**
 * Every adjacent pair of the release table, both directions, every check. A pair of releases
 * two rows apart is not in the matrix: the project only promises N↔N+1. Rejects with the check's
 * SchemaCheckError (E_TOOL_MISSING, E_TOOL_FAILED) when a tool it needs cannot run, with its
 * E_STATE_IO / E_LOCAL_IO when the work folder's disk refused a write (diskRefusalOf), with
 * SchemaCheckError E_WORK_DIR when it cannot make its own work folder, and with the
 * signal's reason when `signal` stops it. A work folder of its own it cannot remove at the end
 * neither rejects nor hides the report: it is named in `leftoverWorkDir` and logged as a warning
 * (a run that rejects anyway, stopped or refused, keeps its own reason and only logs it).
 */
export async function runMatrix(given: RunMatrixOptions | null = {}): Promise<MatrixRunReport> {
  assertKnownOptions("runMatrix", given, RUN_MATRIX_OPTIONS);
  // null is no options, as in every layer: it failed with a raw "Cannot read properties of null".
  const options = given ?? {};
  assertMatrixOptionValues(options);
  const table = options.table ?? defaultTable;
  const checks = options.checks ?? MATRIX_CHECKS;
  const logger = options.logger ?? silentLogger();
  const signal = options.signal ?? new AbortController().signal;
  const cellTimeoutMs = options.cellTimeoutMs ?? DEFAULT_CELL_TIMEOUT_MS;
  const cellTimeoutName = options.cellTimeoutName ?? "runMatrix's cellTimeoutMs";
  // A caller's folder that is not there failed every cell that writes (E_STATE_IO, no such folder):
  // a report of broken pairs for a bad option, which told CI the releases did not interoperate.
  if (options.workDir !== undefined && statSync(options.workDir, { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw new RangeError(`workDir must be an existing folder; ${options.workDir} is not one (make it first, or leave workDir out for a folder of the run's own)`);
  }
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? makeOwnWorkDir();
  const start = performance.now();
  const rows: MatrixRow[] = [];
  let leftoverWorkDir: string | undefined;
  try {
    for (const [older, newer] of table.adjacentPairs()) {
      const pair = pairScope(older, newer, table, signal);
      for (const [writerRow, readerRow, direction] of [
        [older, newer, "older-to-newer"],
        [newer, older, "newer-to-older"],
      ] as const) {
        const ctx: DirectionContext = {
          writer: releaseProfile(writerRow, table),
          reader: releaseProfile(readerRow, table),
          direction,
          pair,
          workDir,
          signal,
          logger: logger.child({ writer: writerRow.release, reader: readerRow.release }),
        };
        const cells: Partial<Record<MatrixColumn, CellResult>> = {};
        for (const check of checks) {
          signal.throwIfAborted();
          const { result, abandoned } = await runCell(check, ctx, cellTimeoutMs, cellTimeoutName);
          cells[check.column] = result;
          ctx.logger.debug({ column: check.column, status: result.status, ms: Math.round(result.ms) }, "matrix cell");
          options.onCell?.({ writer: writerRow.release, reader: readerRow.release, column: check.column, result, abandoned });
        }
        rows.push({ pair: [older.release, newer.release], writer: writerRow.release, reader: readerRow.release, cells });
      }
    }
  } finally {
    if (ownWorkDir) leftoverWorkDir = removeOwnWorkDir(workDir, logger);
  }
  const all = rows.flatMap((r) => Object.values(r.cells));
  const fail = all.filter((c) => c.status === "fail").length;
  return {
    generatedAt: new Date().toISOString(),
    releases: table.rows.map((r) => r.release),
    columns: checks.map((c) => c.column),
    legend: Object.fromEntries(checks.map((c) => [c.column, c.proves])),
    rows,
    ok: fail === 0 && all.length > 0,
    counts: { pass: all.length - fail, fail },
    ms: performance.now() - start,
    // Absent, not undefined, when removed: a report written as JSON keeps its shape.
    ...(leftoverWorkDir === undefined ? {} : { leftoverWorkDir }),
  };
}
