import type Database from "better-sqlite3";
import { isBusy, retryWhileBusy } from "./busy-retry.js";
import { StateError } from "./state-error.js";
import { openConnection, withoutBusyWait, type ConnectionOptions } from "./state-file.js";

/** How long a step waits for a file another process holds, and what ends the wait. */
export interface HeldWait {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /**
   * A free file is served even under an aborted signal (openState on a file it need not migrate
   * returned its handle so before, and still does); the signal ends the wait for a held one.
   */
  signalStopsOnlyTheWait?: boolean;
  /** Called once, when the first try finds the file held (to say that it waits). */
  onWait?: () => void;
}

/**
 * Opens the state file for a migration run, waiting for another process's lock up to the run's
 * lockTimeoutMs by polling, as the run waits for the migration and write locks. Opening reads the
 * file, and SQLite's own busy wait (the connection's busy timeout, 5 s by default) held the event
 * loop and ignored lockTimeoutMs: on a rollback-journal file another process held exclusively,
 * `migrate up --lock-timeout 60000` gave up after 5 s, and `--lock-timeout 0` still waited 5 s with
 * Ctrl-C unheard. The connection gets its busy timeout once open.
 */
export async function openWaiting(path: string, options: ConnectionOptions, wait: HeldWait): Promise<Database.Database> {
  const db = await whileHeld(() => openConnection(path, { ...options, busyTimeoutMs: 0 }), path, `open ${path}`, wait);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  return db;
}

/**
 * Runs `step` on `db` as openWaiting opens: with the busy timeout at 0, tried again by polling while
 * another process holds the lock it needs. For the reads and the WAL switch that follow the open:
 * on a rollback-journal file another process reads or writes, the open and the reads pass, but the
 * switch to WAL needs the file to itself, and waited the busy timeout frozen. `what` completes
 * "stopped waiting to …" (with the path) when the signal ends the wait.
 */
export function stepWaiting<T>(db: Database.Database, path: string, what: string, step: () => T, wait: HeldWait): Promise<T> {
  return whileHeld(() => withoutBusyWait(db, step), path, what, wait);
}

/** `step` tried again by polling while another process holds the lock it needs (inspectStateWaiting's read too). */
export async function whileHeld<T>(step: () => T, path: string, what: string, wait: HeldWait): Promise<T> {
  let locked: unknown;
  const attempt = (): { value: T } | undefined => {
    try {
      return { value: step() };
    } catch (error) {
      if (!heldElsewhere(error)) throw error;
      locked = error;
      return undefined;
    }
  };
  if (wait.signalStopsOnlyTheWait === true) {
    const done = attempt();
    if (done !== undefined) return done.value;
  }
  const outcome = await retryWhileBusy(attempt, wait);
  if (outcome.kind === "done") return outcome.value.value;
  if (outcome.kind === "aborted") throw new StateError("E_STATE_ABORTED", `stopped waiting to ${what}; nothing was written`, { cause: outcome.reason, details: { path } });
  throw locked;
}

/** Another connection holds the lock (SQLite's busy, raw or as the state layer's E_STATE_LOCKED). */
function heldElsewhere(error: unknown): boolean {
  if (error instanceof StateError) return error.code === "E_STATE_LOCKED" && isBusy(error.cause);
  return isBusy(error);
}

