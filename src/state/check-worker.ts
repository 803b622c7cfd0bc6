import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

/** SQLite's read-only checks of a whole file. */
export type IntegrityPragma = "quick_check" | "integrity_check";
export type CheckPragma = IntegrityPragma | "foreign_key_check";

export type CheckOutcome =
  /** `problems` is empty when SQLite answered `ok` (it reports at most 100). */
  | { readonly pragma: IntegrityPragma; readonly problems: readonly string[]; readonly ms: number }
  | { readonly pragma: "foreign_key_check"; readonly violations: number; readonly tables: readonly string[]; readonly ms: number };

export interface CheckRun {
  /** Resolves once the checks hold their read snapshot: what other connections commit afterwards is not checked. */
  readonly snapshotTaken: Promise<void>;
  /**
   * Every outcome, in the order asked. Rejects with a StateError when the checks could not run
   * (E_STATE_CORRUPT for a file SQLite cannot even read, E_STATE_IO when the thread died).
   */
  readonly outcomes: Promise<CheckOutcome[]>;
  /** Resolves once the worker thread is gone (its connection closed); never rejects. */
  readonly finished: Promise<void>;
}

/**
 * Runs the checks on this thread, on `db` as it is. The same steps as the worker's source below;
 * `test/state/check-worker.test.ts` holds the two to the same answers.
 */
export function runChecksOnConnection(db: Database.Database, pragmas: readonly CheckPragma[]): CheckOutcome[] {
  return pragmas.map((pragma): CheckOutcome => {
    const start = performance.now();
    if (pragma === "foreign_key_check") {
      let violations = 0;
      const tables = new Set<string>();
      for (const row of db.prepare("PRAGMA foreign_key_check").iterate() as IterableIterator<{ table: string }>) {
        violations++;
        tables.add(row.table);
      }
      return { pragma, violations, tables: [...tables].sort(), ms: performance.now() - start };
    }
    const rows = (db.pragma(pragma) as Record<string, string>[]).map((r) => String(r[pragma]));
    const problems = rows.length === 1 && rows[0] === "ok" ? [] : rows;
    return { pragma, problems, ms: performance.now() - start };
  });
}

/**
 * The worker's whole program, plain CommonJS so it runs the same from TypeScript sources (tsx,
 * vitest) and from `dist/`, without a loader. It reads only: a read-only connection, one read
 * transaction for every check (one snapshot), closed before it answers.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { driver, path, pragmas, busyTimeoutMs } = workerData;
let db;
try {
  const Database = require(driver);
  db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  db.exec("BEGIN");
  db.prepare("SELECT count(*) FROM sqlite_schema").get();
  parentPort.postMessage({ kind: "snapshot" });
  const outcomes = pragmas.map((pragma) => {
    const start = performance.now();
    if (pragma === "foreign_key_check") {
      let violations = 0;
      const tables = new Set();
      for (const row of db.prepare("PRAGMA foreign_key_check").iterate()) {
        violations++;
        tables.add(row.table);
      }
      return { pragma, violations, tables: [...tables].sort(), ms: performance.now() - start };
    }
    const rows = db.pragma(pragma).map((r) => String(r[pragma]));
    const problems = rows.length === 1 && rows[0] === "ok" ? [] : rows;
    return { pragma, problems, ms: performance.now() - start };
  });
  db.exec("COMMIT");
  db.close();
  db = undefined;
  parentPort.postMessage({ kind: "done", outcomes });
} catch (error) {
  try { if (db !== undefined) db.close(); } catch {}
  const code = error && typeof error.code === "string" ? error.code : undefined;
  parentPort.postMessage({ kind: "failed", code, message: String(error && error.message ? error.message : error) });
}
`;

type WorkerMessage =
  | { kind: "snapshot" }
  | { kind: "done"; outcomes: CheckOutcome[] }
  | { kind: "failed"; code: string | undefined; message: string };

let driverPath: string | undefined;

function asStateError(error: unknown, path: string, action: string): StateError {
  const mapped = toStateError(error, path, action);
  return mapped instanceof StateError
    ? mapped
    : new StateError("E_STATE_IO", `cannot ${action} ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
}

export interface StartChecksOptions {
  busyTimeoutMs?: number;
  /** What the checks are for, in error messages ("check it before migrating"). */
  action?: string;
  /** For tests: pretend no worker thread can be started. */
  forceMainThread?: boolean;
}

/**
 * Starts the checks on `path` in a worker thread, on its own read-only connection and its own
 * read snapshot, so they use a second core while this thread's connection keeps working (in WAL
 * mode a reader and the writer do not wait for each other). The file must be in WAL mode and
 * stay open on this thread until `finished`: the last connection to close tidies the -wal and
 * -shm files away, and a read-only one cannot.
 *
 * When no worker can be started, the checks run on this thread, on a second connection, at once
 * (so still before anything this thread has not committed yet is visible to them).
 */
export function startChecks(path: string, pragmas: readonly CheckPragma[], options: StartChecksOptions = {}): CheckRun {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const action = options.action ?? "check it";
  let resolveSnapshot!: () => void;
  let resolveOutcomes!: (o: CheckOutcome[]) => void;
  let rejectOutcomes!: (e: unknown) => void;
  let resolveFinished!: () => void;
  const snapshotTaken = new Promise<void>((r) => (resolveSnapshot = r));
  const outcomes = new Promise<CheckOutcome[]>((res, rej) => {
    resolveOutcomes = res;
    rejectOutcomes = rej;
  });
  const finished = new Promise<void>((r) => (resolveFinished = r));
  // Nobody may ever await `outcomes` (a run that found nothing to do); its rejection is not unhandled.
  outcomes.catch(() => undefined);

  let snapshot = false;
  let settled = false;
  const onThisThread = (): void => {
    if (settled) return;
    settled = true;
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
      try {
        const result = db.transaction(() => runChecksOnConnection(db, pragmas)).deferred();
        resolveSnapshot();
        resolveOutcomes(result);
      } finally {
        db.close();
      }
    } catch (error) {
      resolveSnapshot();
      rejectOutcomes(asStateError(error, path, action));
    }
  };

  let worker: Worker;
  try {
    if (options.forceMainThread === true) throw new Error("worker threads disabled by the caller");
    driverPath ??= createRequire(import.meta.url).resolve("better-sqlite3");
    // execArgv: [] keeps a parent's loader (tsx) out of a worker that does not need it.
    worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver: driverPath, path, pragmas, busyTimeoutMs } });
  } catch {
    onThisThread();
    resolveFinished();
    return { snapshotTaken, outcomes, finished };
  }

  const lost = (why: string): void => {
    if (settled) return;
    // Before the snapshot, the checks can still run here on the same state; after it, they cannot.
    if (!snapshot) {
      onThisThread();
      return;
    }
    settled = true;
    rejectOutcomes(new StateError("E_STATE_IO", `the thread checking ${path} stopped before answering (${why}); nothing was changed`, { details: { path } }));
  };
  worker.on("message", (m: WorkerMessage) => {
    if (m.kind === "snapshot") {
      snapshot = true;
      resolveSnapshot();
      return;
    }
    if (settled) return;
    if (m.kind === "done") {
      settled = true;
      resolveSnapshot();
      resolveOutcomes(m.outcomes);
      return;
    }
    if (m.code !== undefined && m.code.startsWith("SQLITE_")) {
      settled = true;
      resolveSnapshot();
      rejectOutcomes(asStateError(Object.assign(new Error(m.message), { code: m.code }), path, action));
      return;
    }
    lost(m.message);
  });
  worker.on("error", (error) => lost(error.message));
  worker.on("exit", (code) => {
    lost(`exit code ${code}`);
    resolveFinished();
  });
  return { snapshotTaken, outcomes, finished };
}
