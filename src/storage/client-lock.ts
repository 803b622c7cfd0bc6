import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { clientLockPathOf, LockFile, StateError } from "../state/index.js";
import { StorageError } from "./storage-error.js";

/** Held by a started storage client until it stops; `release` is idempotent. */
export interface ClientLock {
  release(): void;
}

/** The lock beside a data directory's cache/ and spool/. Never deleted: deleting a lock file races its takers. */
export function dataDirLockPath(dataDir: string): string {
  return join(dataDir, "client.lock");
}

/**
 * Takes, without waiting, the locks of a client's data directory and (unless it lives in memory)
 * its state database, before that is opened: a newer release would otherwise migrate it under the
 * running client before hearing it is busy. A starting client resumes every unfinished job of its
 * journal and evicts from its data directory by its own quota, so a second client on either would
 * run the first one's live jobs too, or delete its pending spool files: it gets E_BUSY instead,
 * naming the path.
 *
 * Each lock is a `LockFile`: the OS drops it when the holder dies (SIGKILL included), so a crashed
 * app never blocks its restart, and two clients in one process exclude each other too.
 */
export function lockClient(dataDir: string, statePath: string | undefined): ClientLock {
  const data = takeLock(dataDirLockPath(dataDir), "data directory", dataDir);
  // A state in memory has no other client; one in a missing folder cannot be opened (openState says so).
  if (statePath === undefined || statePath === "" || statePath === ":memory:" || !existsSync(dirname(resolve(statePath)))) return data;
  let state: ClientLock;
  try {
    // Beside the state, its own sidecar (the migration lock is held only while migrating); a migration refuses to run while it is held.
    state = takeLock(clientLockPathOf(statePath), "state database", statePath);
  } catch (error) {
    data.release();
    throw error;
  }
  return {
    release() {
      try {
        state.release();
      } finally {
        data.release();
      }
    },
  };
}

function takeLock(lockPath: string, what: string, path: string): ClientLock {
  let lock: LockFile;
  try {
    lock = LockFile.open(lockPath);
  } catch (error) {
    // Not the folder: SQLite itself cannot load, and the state layer says what to run.
    if (error instanceof StateError && error.code === "E_STATE_SQLITE_UNAVAILABLE") throw error;
    throw new StorageError("E_LOCAL_IO", `cannot create the storage client's lock ${lockPath} (${(error as Error).message}); the folder of its ${what} must be writable`, {
      cause: error,
      details: { code: (error as { code?: unknown }).code, path, lock: lockPath },
    });
  }
  let held: boolean;
  try {
    held = lock.tryTake();
  } catch (error) {
    lock.release();
    throw new StorageError("E_LOCAL_IO", `cannot take the storage client's lock ${lockPath} (${(error as Error).message})`, {
      cause: error,
      details: { code: (error as { code?: unknown }).code, path, lock: lockPath },
    });
  }
  if (!held) {
    lock.release();
    throw new StorageError(
      "E_BUSY",
      `another storage client is using the ${what} ${path} (lock ${lockPath} is held): another process of the app, the status-compat CLI, ` +
        `or a second client in this process. Stop that client first, or give this one its own ${what}. The lock of a process that died is released by the OS.`,
      { details: { path, lock: lockPath } },
    );
  }
  return { release: () => lock.release() };
}
