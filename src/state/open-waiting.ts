import type Database from "better-sqlite3";
import { retryWhileBusy } from "./busy-retry.js";
import { StateError } from "./state-error.js";
import { openConnection, type ConnectionOptions } from "./state-file.js";

/**
 * Opens the state file for a migration run, waiting for another process's lock up to the run's
 * lockTimeoutMs by polling, as the run waits for the migration and write locks. Opening reads the
 * file, and SQLite's own busy wait (the connection's busy timeout, 5 s by default) held the event
 * loop and ignored lockTimeoutMs: on a rollback-journal file another process held exclusively,
 * `migrate up --lock-timeout 60000` gave up after 5 s, and `--lock-timeout 0` still waited 5 s with
 * Ctrl-C unheard. The connection gets its busy timeout once open. `signalStopsOnlyTheWait`: a free
 * file is opened even under an aborted signal (openState on a file it need not migrate returned its
 * handle so before, and still does); the signal ends the wait for a held one.
 */
export async function openWaiting(
  path: string,
  options: ConnectionOptions,
  wait: { timeoutMs: number; signal?: AbortSignal | undefined; signalStopsOnlyTheWait?: boolean },
): Promise<Database.Database> {
  let locked: unknown;
  const tryOpen = (): Database.Database | undefined => {
    try {
      return openConnection(path, { ...options, busyTimeoutMs: 0 });
    } catch (error) {
      if (!(error instanceof StateError && error.code === "E_STATE_LOCKED")) throw error;
      locked = error;
      return undefined;
    }
  };
  if (wait.signalStopsOnlyTheWait === true) {
    const db = tryOpen();
    if (db !== undefined) return withBusyTimeout(db, options.busyTimeoutMs);
  }
  const outcome = await retryWhileBusy(tryOpen, wait);
  if (outcome.kind === "done") return withBusyTimeout(outcome.value, options.busyTimeoutMs);
  if (outcome.kind === "aborted") throw new StateError("E_STATE_ABORTED", `stopped waiting to open ${path}; nothing was written`, { cause: outcome.reason, details: { path } });
  throw locked;
}

function withBusyTimeout(db: Database.Database, busyTimeoutMs: number): Database.Database {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return db;
}
