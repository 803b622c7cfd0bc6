import type { Logger } from "../obs/index.js";
import { retryWhileBusy } from "./busy-retry.js";
import { LockFile } from "./lock-file.js";
import { realPathOf } from "./real-path.js";
import { refuseMissingFolder } from "./state-file.js";
import { StateError } from "./state-error.js";
import { assertKnownOptions, describedValue, keysOf } from "../errors/index.js";

/** Held for the whole migration run; `release` is idempotent. */
export interface MigrationLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** How long to wait for another process's run to finish. */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/** The keys LockOptions has (the compiler holds the two together); acquireMigrationLock refuses any other. */
const LOCK_OPTIONS = keysOf<LockOptions>()({ timeoutMs: true, signal: true, logger: true });

export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

/**
 * The longest finite wait taken, 2^31 - 1 ms (about 24.8 days): the longest SQLite's busy timeout
 * and Node's timers take. A longer one is no wait anybody means (a unit mixed up, a setting with a
 * digit too many): 1e20 waited without end for a lock another process held, as Infinity does on
 * purpose, and a refusal would have named more milliseconds than the universe is old.
 */
export const MAX_LOCK_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A caller's wait for the lock, in milliseconds (default 15 s; 0 or less: one attempt; Infinity:
 * until it is free, the signal still stops it; up to MAX_LOCK_TIMEOUT_MS otherwise). NaN (an app's
 * parseInt of an empty setting) made a deadline no clock passes: the wait lasted as long as the
 * other process held the lock.
 */
export function lockTimeoutOf(value: number | undefined, name = "lockTimeoutMs"): number {
  if (value === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  if (typeof value !== "number" || Number.isNaN(value) || (Number.isFinite(value) && value > MAX_LOCK_TIMEOUT_MS)) {
    throw new RangeError(
      `state option ${name} must be a number of milliseconds up to ${MAX_LOCK_TIMEOUT_MS} (about 24.8 days; 0: no waiting, Infinity: until the lock is free), not ${describedValue(value)}`,
    );
  }
  return value;
}

/**
 * The sidecar file beside the state database (its real path: a link to the file and the file
 * itself share one lock). Never deleted: deleting a lock file races its waiters.
 */
export function lockPathFor(dbPath: string): string {
  return `${realPathOf(dbPath)}.migrate-lock`;
}

/**
 * Takes the migration lock (a `LockFile` beside the state database), held until `release`. Other
 * processes (and other connections in this process) wait up to `timeoutMs`, polling without
 * blocking the event loop, then fail with E_STATE_LOCKED. Creates the sidecar when missing.
 */
export async function acquireMigrationLock(dbPath: string, options: LockOptions = {}): Promise<MigrationLock> {
  assertKnownOptions("acquireMigrationLock", options, LOCK_OPTIONS);
  const timeoutMs = lockTimeoutOf(options.timeoutMs, "timeoutMs");
  const path = lockPathFor(dbPath);
  let lock: LockFile;
  try {
    lock = LockFile.open(path);
  } catch (error) {
    refuseMissingFolder(path, `the migration lock ${path}`);
    throw new StateError("E_STATE_READ_ONLY", `cannot create the migration lock ${path}: ${(error as Error).message}; the folder must be writable to migrate`, {
      cause: error,
      details: { path: dbPath, lock: path },
    });
  }
  let outcome;
  try {
    outcome = await retryWhileBusy(
      () => {
        try {
          return lock.tryTake() ? true : undefined;
        } catch (error) {
          throw cannotTake(error, path, dbPath);
        }
      },
      { timeoutMs, signal: options.signal, onWait: () => options.logger?.info({ lock: path }, "waiting for another process to finish migrating") },
    );
  } catch (error) {
    lock.release();
    throw error;
  }
  if (outcome.kind === "timeout") {
    lock.release();
    throw new StateError(
      "E_STATE_LOCKED",
      `another process is migrating ${dbPath} (lock ${path} held for more than ${timeoutMs} ms); ` +
        "wait for it to finish, or stop the other client. A lock of a process that died is released by the OS.",
      { details: { path: dbPath, lock: path, timeoutMs } },
    );
  }
  if (outcome.kind === "aborted") {
    lock.release();
    throw new StateError("E_STATE_ABORTED", `stopped waiting for the migration lock of ${dbPath}`, { cause: outcome.reason, details: { path: dbPath } });
  }
  return { path, release: () => lock.release() };
}

/**
 * The lock file could not be taken. One something else wrote (a sync tool's conflict copy, a user
 * who filled the "empty and harmless" file) failed every migration with SQLite's "file is not a
 * database" alone; it is named for what it is, with the way on, since the package never removes it.
 */
function cannotTake(error: unknown, path: string, dbPath: string): StateError {
  if ((error as { code?: unknown }).code === "SQLITE_NOTADB") {
    return new StateError(
      "E_STATE_IO",
      `cannot take the migration lock: ${path} is not the lock file this package keeps there (an empty SQLite file; something else wrote it), ` +
        `so no migration of ${dbPath} can run. With no migration running (the app stopped, no migrate command), remove it; the next run creates it again`,
      { cause: error, details: { path: dbPath, lock: path } },
    );
  }
  return new StateError("E_STATE_IO", `cannot take the migration lock ${path}: ${(error as Error).message}`, { cause: error, details: { path: dbPath, lock: path } });
}

/** One attempt at the lock, no waiting: the lock, or undefined when another process holds it. */
export async function tryMigrationLock(dbPath: string): Promise<MigrationLock | undefined> {
  try {
    return await acquireMigrationLock(dbPath, { timeoutMs: 0 });
  } catch (error) {
    if (error instanceof StateError && error.code === "E_STATE_LOCKED") return undefined;
    throw error;
  }
}
