import type { Logger } from "../../obs/index.js";
import { StateError } from "../state-error.js";
import { openConnection } from "../state-file.js";
import { beginImmediate, rollbackQuietly } from "../write-transaction.js";

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
    // The real run's own wait: tries between which the event loop runs, up to the same timeout.
    await beginImmediate(db, path, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onWait: () =>
        options.logger.warn({ path, timeoutMs: options.timeoutMs }, "another process holds a write transaction on the database; waiting for it as long as the real upgrade would"),
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof StateError) || error.code !== "E_STATE_LOCKED") throw error;
    return new StateError(
      "E_STATE_LOCKED",
      `another process holds a write transaction on ${path} and kept it for the ${options.timeoutMs} ms the real upgrade waits for the write lock: ` +
        "the real upgrade would wait that long and then fail, nothing written; let that process commit or roll back, or stop it (a sqlite3 shell inside BEGIN, a tool, the app), then upgrade",
      { cause: error, details: { path, timeoutMs: options.timeoutMs } },
    );
  } finally {
    rollbackQuietly(db);
    db.close();
  }
}
