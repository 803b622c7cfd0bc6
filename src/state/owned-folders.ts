import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LockFile } from "./lock-file.js";

/**
 * The lock file a process holds in a scratch folder of its own for as long as it uses it; the OS
 * lets go of it when that process dies (SIGKILL included), which is how a later run knows the
 * folder was abandoned.
 */
export const OWNER_LOCK = ".owner-lock";

/**
 * Removes the folders under `dir` whose names `matches` accepts and whose owner is gone: left by
 * runs killed outright (SIGKILL, the OOM killer, a CI timeout), where no handler ran, each holding
 * copies the size of a database. A folder without an owner lock (a run setting up, an older
 * release's), one whose lock is held, or one that cannot be looked at or removed (another user's
 * in a shared temp folder) is left alone.
 */
export function removeAbandonedFolders(dir: string, matches: (name: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter(matches);
  } catch {
    return;
  }
  for (const name of names) {
    const folder = join(dir, name);
    if (!ownerGone(join(folder, OWNER_LOCK))) continue;
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch {
      // Another user's (a shared temp folder): not this process's to clean.
    }
  }
}

/** Whether the owner lock at `lockPath` exists and can be taken: its process is gone. */
function ownerGone(lockPath: string): boolean {
  const lock = takeAbandonedOwnerLock(lockPath);
  lock?.release();
  return lock !== undefined;
}

/**
 * The owner lock at `lockPath`, taken, when it exists and its process is gone; undefined when it is
 * missing, held (its owner lives) or cannot be opened (another user's). The caller releases it, once
 * it has removed what the lock owned when that must happen while it is held (draft-file.ts).
 */
export function takeAbandonedOwnerLock(lockPath: string): LockFile | undefined {
  if (!existsSync(lockPath)) return undefined;
  let lock: LockFile | undefined;
  try {
    lock = LockFile.open(lockPath);
    if (lock.tryTake()) return lock;
  } catch {
    // Not this process's to judge: left alone.
  }
  lock?.release();
  return undefined;
}
