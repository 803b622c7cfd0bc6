import type Database from "better-sqlite3";
import { isBusy, retryWhileBusy } from "./busy-retry.js";
import { StateError } from "./state-error.js";
import { withoutBusyWait } from "./state-file.js";
import { toStateError } from "./sqlite-errors.js";

/**
 * `BEGIN IMMEDIATE` (the database's write lock) without freezing the event loop: each try runs
 * with a zero busy timeout (withoutBusyWait) and the waiting happens between tries, where the
 * connection has its own timeout back. Another process's migration can hold the write lock for the
 * whole of its run, far longer than a connection's busy timeout.
 */
export async function beginImmediate(
  db: Database.Database,
  path: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; onWait?: () => void },
): Promise<void> {
  let lastBusy: unknown;
  const outcome = await retryWhileBusy(
    () => {
      try {
        withoutBusyWait(db, () => db.exec("BEGIN IMMEDIATE"));
        return true;
      } catch (error) {
        if (!isBusy(error)) throw toStateError(error, path, "start migrating");
        lastBusy = error;
        return undefined;
      }
    },
    { timeoutMs: options.timeoutMs, signal: options.signal, ...(options.onWait === undefined ? {} : { onWait: options.onWait }) },
  );
  if (outcome.kind === "timeout") {
    throw new StateError(
      "E_STATE_LOCKED",
      `${path} stayed locked by another connection for more than ${options.timeoutMs} ms (another process is migrating or writing it); ` +
        "wait for it to finish, or stop the other client",
      { cause: lastBusy, details: { path, timeoutMs: options.timeoutMs } },
    );
  }
  if (outcome.kind === "aborted") {
    throw new StateError("E_STATE_ABORTED", `stopped waiting for the write lock of ${path}; nothing was written`, { cause: outcome.reason, details: { path } });
  }
}

/** Rolls back whatever is open; SQLite may already have rolled back on its own (e.g. after SQLITE_FULL). */
export function rollbackQuietly(db: Database.Database): void {
  if (!db.inTransaction) return;
  try {
    db.exec("ROLLBACK");
  } catch {
    // Nothing left to undo.
  }
}
