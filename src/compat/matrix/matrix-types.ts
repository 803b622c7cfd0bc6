import type { Logger } from "../../obs/index.js";
import type { ProtocolProfile, Release, ReleaseTable } from "../../versions/index.js";

/** The columns of the matrix, in display order. */
export const MATRIX_COLUMNS = ["schema", "negotiate", "wire", "forward", "state", "storage", "bridge"] as const;
export type MatrixColumn = (typeof MATRIX_COLUMNS)[number];

/** One cell: the contract between the writer and the reader of its row held, or did not. */
export interface CellResult {
  readonly status: "pass" | "fail";
  /** What was checked and what happened, one line. */
  readonly detail: string;
  readonly ms: number;
  /** Only for an unexpected error (a bug) its check threw: the error's stack, which the detail leaves out. */
  readonly stack?: string;
}

/**
 * One direction of one adjacent pair: `writer` produces (messages, files, a state file) and
 * `reader` consumes them. Every adjacent pair gives two rows, older→newer and newer→older.
 */
export interface MatrixRow {
  readonly pair: readonly [string, string];
  readonly writer: string;
  readonly reader: string;
  readonly cells: Readonly<Partial<Record<MatrixColumn, CellResult>>>;
}

export interface MatrixReport {
  readonly generatedAt: string;
  readonly releases: readonly string[];
  readonly columns: readonly MatrixColumn[];
  /** What each column proves. */
  readonly legend: Readonly<Partial<Record<MatrixColumn, string>>>;
  readonly rows: readonly MatrixRow[];
  /** Every cell passed. */
  readonly ok: boolean;
  readonly counts: { readonly pass: number; readonly fail: number };
  readonly ms: number;
}

/** Work shared by both directions of a pair (one state rehearsal, one schema comparison). */
export interface PairScope {
  readonly older: Release;
  readonly newer: Release;
  /**
   * The run's release table, whose rows `older` and `newer` are (work that resolves releases takes
   * it, not the embedded one); runMatrix always sets it, undefined means the embedded table.
   */
  readonly table?: ReleaseTable;
  /**
   * Runs `make` once per pair and key; both directions get the same promise. `make` gets the run's
   * signal, not the first cell's: that cell's deadline aborted the shared work under the other
   * direction, whose cell then failed saying it was stopped, though nobody stopped the run.
   */
  once<T>(key: string, make: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface DirectionContext {
  readonly writer: ProtocolProfile;
  readonly reader: ProtocolProfile;
  /** Which of the pair writes: the older release (its readers upgrade) or the newer one (its readers are behind). */
  readonly direction: "older-to-newer" | "newer-to-older";
  readonly pair: PairScope;
  /** A directory of this run, removed at the end (one that could not be is named by the report's `leftoverWorkDir`). */
  readonly workDir: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** One column's check. It returns its verdict; an exception thrown is a failure with that message. */
export interface MatrixCheck {
  readonly column: MatrixColumn;
  /** What the column proves, for the report's legend. */
  readonly proves: string;
  run(ctx: DirectionContext): Promise<Omit<CellResult, "ms">>;
}
