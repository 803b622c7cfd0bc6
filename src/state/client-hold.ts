import { existsSync } from "node:fs";
import { LockFile } from "./lock-file.js";
import { realPathOf } from "./real-path.js";
import { StateError } from "./state-error.js";

/**
 * The lock a started storage client holds beside its state database (`<db>.client-lock`, taken by
 * src/storage/client-lock.ts), named from the file's real path (of its folder, before it exists),
 * so a link to it and its own name share one lock.
 */
export function clientLockPathOf(statePath: string): string {
  return `${realPathOf(statePath)}.client-lock`;
}

/**
 * Holds a state database's client lock for a migration run, without waiting: a storage client
 * prepared its journal's statements for the file's level, and a run under it breaks its next
 * write (a down from level 3 drops the column a journaled piece writes, after the piece was
 * stored). E_STATE_LOCKED while a client holds it. Returns the release, or undefined when no
 * client ever used the file (it has no lock file) and `create` is not set; with it, the lock file
 * is made (a run's commit takes it so, since a client may make it and start during the run).
 */
export function holdAgainstClients(statePath: string, { create = false }: { create?: boolean } = {}): (() => void) | undefined {
  const path = clientLockPathOf(statePath);
  if (!create && !existsSync(path)) return undefined;
  let lock: LockFile;
  try {
    lock = LockFile.open(path);
  } catch (cause) {
    // A folder where the lock cannot be made is one where no client can have started: it makes it too.
    if (create && !existsSync(path)) return undefined;
    throw new StateError("E_STATE_IO", `cannot open the storage client's lock ${path} (${(cause as Error).message})`, { cause, details: { path: statePath, lock: path } });
  }
  let held = false;
  try {
    held = lock.tryTake();
  } catch (cause) {
    throw new StateError("E_STATE_IO", `cannot take the storage client's lock ${path} (${(cause as Error).message}); move that file away if no client runs`, {
      cause,
      details: { path: statePath, lock: path },
    });
  } finally {
    if (!held) lock.release();
  }
  if (!held) {
    throw new StateError(
      "E_STATE_LOCKED",
      `a storage client is using ${statePath} (lock ${path} is held): stop the app (or the status-compat file command) that runs it, then migrate; nothing was written`,
      { details: { path: statePath, lock: path } },
    );
  }
  return () => lock.release();
}
