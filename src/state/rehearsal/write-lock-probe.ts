import type { Logger } from "../../obs/index.js";
import { isBusy, retryWhileBusy } from "../busy-retry.js";
import { StateError } from "../state-error.js";
import { toStateError } from "../sqlite-errors.js";
import { openConnection } from "../state-file.js";
import { rollbackQuietly } from "../write-transaction.js";

/**
 * The refusal the real upgrade meets when another process holds a write transaction on `path` (a
 * sqlite3 shell left inside `BEGIN`, a tool, an app writing), found out as the real run finds it:
 * `BEGIN IMMEDIATE`, retried without blocking the event loop for as long as the real run waits
 * (`timeoutMs`, its lockTimeoutMs), then rolled back at once. A transaction shorter than that wait
 * does not fail the real run, so it does not fail this either.
 *
 * Writes nothing: a `BEGIN IMMEDIATE` that is rolled back before any statement changes no page of
 * the file or its -wal. Call it only while another connection of this process reads `path` (the
 * rehearsal's snapshot): the last connection to close a WAL file checkpoints the -wal into it, and
 * this one, opened read-write, then never is the last (the original may hold an app's commits in
 * its -wal, which the rehearsal reads read-only to leave them there).
 */
export async function writeLockRefusal(
  path: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; logger: Logger },
): Promise<StateError | undefined> {
  const db = openConnection(path, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
  try {
    // The waiting happens between tries, as the real run's: SQLite's own would freeze the process.
    db.pragma("busy_timeout = 0");
    let lastBusy: unknown;
    const outcome = await retryWhileBusy(
      () => {
        try {
          db.exec("BEGIN IMMEDIATE");
          return true;
        } catch (error) {
          if (!isBusy(error)) throw toStateError(error, path, "see whether the real upgrade would get its write lock");
          lastBusy = error;
          return undefined;
        }
      },
      {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onWait: () =>
          options.logger.warn({ path, timeoutMs: options.timeoutMs }, "another process holds a write transaction on the database; waiting for it as long as the real upgrade would"),
      },
    );
    if (outcome.kind === "aborted") {
      throw new StateError("E_STATE_ABORTED", `stopped waiting for another process's write transaction on ${path}; nothing was written`, { cause: outcome.reason, details: { path } });
    }
    if (outcome.kind === "timeout") {
      return new StateError(
        "E_STATE_LOCKED",
        `another process holds a write transaction on ${path} and kept it for the ${options.timeoutMs} ms the real upgrade waits for the write lock: ` +
          "the real upgrade would wait that long and then fail, nothing written; let that process commit or roll back, or stop it (a sqlite3 shell inside BEGIN, a tool, the app), then upgrade",
        { cause: lastBusy, details: { path, timeoutMs: options.timeoutMs } },
      );
    }
    return undefined;
  } finally {
    rollbackQuietly(db);
    db.close();
  }
}
