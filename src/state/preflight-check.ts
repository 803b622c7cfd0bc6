import type Database from "better-sqlite3";
import { runChecksOnConnection, startChecks, type CheckOutcome, type CheckPragma } from "./check-worker.js";
import { stepWaiting, type HeldWait } from "./open-waiting.js";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

/** What to verify about the file before a migration run may commit anything. */
export type Preflight = "quick_check" | "none";

const PRAGMAS: readonly CheckPragma[] = ["quick_check", "foreign_key_check"];

/** How the preflight went, for reports: its own time, and how long the commit had to wait for it. */
export interface PreflightTiming {
  readonly ms: number;
  /** Time the run spent waiting for the verdict after its migrations were done (0 when the check finished first). */
  readonly waitedMs: number;
  /** true: it ran on a worker thread while the migrations ran; false: before them, on this thread. */
  readonly alongside: boolean;
}

/**
 * The preflight's finding, if any. A corrupt page found by `quick_check` is E_STATE_CORRUPT; rows
 * that already violate foreign keys (written with enforcement off) are E_STATE_DIRTY: migrations
 * run with foreign keys enforced, so they must not carry such rows forward.
 */
export function preflightProblem(outcomes: readonly CheckOutcome[], path: string): StateError | undefined {
  for (const o of outcomes) {
    if (o.pragma === "foreign_key_check") {
      if (o.violations === 0) continue;
      return new StateError(
        "E_STATE_DIRTY",
        `${path} has ${o.violations} row(s) violating foreign keys (in ${o.tables.join(", ")}), written with enforcement off; ` +
          "it was not migrated and nothing was written. Delete or repair those rows first.",
        { details: { path, violations: o.violations, tables: o.tables, stage: "preflight" } },
      );
    }
    if (o.problems.length === 0) continue;
    const problems = o.problems.slice(0, 3).map((p) => p.replace(/\s+/g, " ").slice(0, 160));
    return new StateError(
      "E_STATE_CORRUPT",
      `${path} fails PRAGMA ${o.pragma} (${problems.join("; ")}${o.problems.length > 3 ? "; …" : ""}); it was not migrated and nothing was written. ` +
        "Restore it from a backup, or recover it with the sqlite3 shell's .recover",
      { details: { path, problems, stage: "preflight" } },
    );
  }
  return undefined;
}

/** The preflight on `db`, on this thread, now. Throws its StateError. */
export function preflightCheck(db: Database.Database, path: string, mode: Preflight): void {
  if (mode === "none") return;
  let outcomes: CheckOutcome[];
  try {
    outcomes = runChecksOnConnection(db, PRAGMAS);
  } catch (error) {
    throw toStateError(error, path, "check it before migrating");
  }
  const problem = preflightProblem(outcomes, path);
  if (problem !== undefined) throw problem;
}

/** A preflight under way. */
export interface PendingPreflight {
  /** Resolves when the file passed (undefined for `none`); throws the preflight's StateError. */
  verdict(): Promise<PreflightTiming | undefined>;
  /** The preflight's StateError once it is done, or undefined: for a run that failed for its own reasons. */
  problem(): Promise<StateError | undefined>;
  /** The worker thread is gone. */
  readonly finished: Promise<void>;
}

function settledPreflight(timing: PreflightTiming | undefined): PendingPreflight {
  return { verdict: async () => timing, problem: async () => undefined, finished: Promise.resolve() };
}

/**
 * Starts the preflight of a migration run. A file in WAL mode is checked on a worker thread
 * against the snapshot the run starts from, while the run's migrations work: the run must not
 * commit before `verdict()` resolves, which keeps "a corrupt file is refused and nothing is
 * written" true at no cost in time when a core is free. Any other file is checked here and now
 * (a reader would hold up the writer outside WAL mode); that throws its finding. That check waits
 * for a file another process holds as the open does (`wait`, by polling): on the connection's busy
 * timeout, a process that took a rollback-journal file just before it froze this one (5 s, timers
 * unheard), then refused it E_STATE_LOCKED.
 */
export async function startPreflight(db: Database.Database, path: string, mode: Preflight, wait: HeldWait): Promise<PendingPreflight> {
  if (mode === "none") return settledPreflight(undefined);
  const wal = String(db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
  if (!wal) {
    const start = performance.now();
    await stepWaiting(db, path, `check ${path} before migrating`, () => preflightCheck(db, path, mode), wait);
    return settledPreflight({ ms: performance.now() - start, waitedMs: 0, alongside: false });
  }
  const run = startChecks(path, PRAGMAS, { action: "check it before migrating" });
  const judged = run.outcomes.then(
    (outcomes) => ({ outcomes, problem: preflightProblem(outcomes, path) }),
    // startChecks rejects with StateErrors only; mark them as the preflight's, like its findings.
    (error: unknown) => {
      const e = error as StateError;
      return { outcomes: [] as CheckOutcome[], problem: new StateError(e.code, e.message, { cause: e.cause, details: { ...e.details, stage: "preflight" } }) };
    },
  );
  return {
    async verdict() {
      const start = performance.now();
      const { outcomes, problem } = await judged;
      if (problem !== undefined) throw problem;
      return { ms: outcomes.reduce((sum, o) => sum + o.ms, 0), waitedMs: performance.now() - start, alongside: true };
    },
    async problem() {
      return (await judged).problem;
    },
    finished: run.finished,
  };
}
