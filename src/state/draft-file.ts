import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { linkUnlessTakenSync, syncDirectorySync } from "../fs/index.js";
import { lockPathFor } from "./migration-lock.js";
import { StateError } from "./state-error.js";

/** What a build on a draft gives back: its result, and the level it committed (undefined: it committed nothing). */
export interface DraftBuild<T> {
  readonly result: T;
  readonly committedLevel: number | undefined;
}

/**
 * Creates a missing state file without ever leaving half of one under its name: `build` makes it
 * under a hidden name of its own beside it (`.FILE.new-<pid>-<hex>`) and closes it, and only a
 * committed draft is given the file's name. Stopped, refused or failing, nothing is left at FILE (a
 * refusal on a first start used to leave an empty file that the next open took for a database at
 * level 0). published false: FILE was taken meanwhile by another process (or nothing was
 * committed); the caller then opens or migrates that file as it is. The draft and its sidecars are
 * removed either way; errors name FILE, not the draft.
 */
export async function createByDraft<T>(path: string, build: (draft: string) => Promise<DraftBuild<T>>): Promise<{ result: T; published: boolean }> {
  const draft = join(dirname(path), `.${basename(path)}.new-${process.pid}-${randomBytes(4).toString("hex")}`);
  // Named now: once the draft is gone its lock's name can no longer be derived from it.
  const draftLock = lockPathFor(draft);
  try {
    // The draft's connection is closed by build: its WAL is checkpointed into it and removed.
    const { result, committedLevel } = await build(draft);
    return { result, published: committedLevel !== undefined && publish(draft, path, committedLevel) };
  } catch (error) {
    throw error instanceof StateError ? renamed(error, draft, path) : error;
  } finally {
    removeDraft(draft, draftLock);
  }
}

/**
 * Gives the committed draft the file's name, never over a file another process created meanwhile
 * (a link fails then; a rename would replace it). false when the name is taken. Then syncs the
 * folder, so that name survives a power cut (the file itself SQLite synced at its commit).
 */
function publish(draft: string, path: string, level: number): boolean {
  try {
    if (!linkUnlessTakenSync(draft, path)) return false;
  } catch (error) {
    throw new StateError(
      "E_STATE_IO",
      `cannot give ${path} its name (${(error as Error).message}); it was not created. Check the folder's permissions and free space, then run it again`,
      { cause: error, details: { path, osCode: (error as NodeJS.ErrnoException).code } },
    );
  }
  try {
    // A file system that cannot sync a folder at all is no failure here (src/fs knows its answers).
    syncDirectorySync(dirname(path));
  } catch (error) {
    // Committed and named: nothing to undo, and removing a committed file on a failing disk could
    // lose what another process already opened. Only the name's durability is unknown: say so.
    const osCode = (error as NodeJS.ErrnoException).code;
    throw new StateError(
      "E_STATE_SYNC_FAILED",
      `${path} was created at level ${level} and committed, but syncing its folder ${dirname(path)} failed (${osCode ?? (error as Error).message}): ` +
        "the file is there now, yet its name may not survive a power loss or crash, and the disk may be failing. Check the disk; " +
        `if ${path} is missing after a restart, run \`status-compat migrate up --db ${path}\` again`,
      { cause: error, details: { path, level, osCode } },
    );
  }
  return true;
}

/**
 * The draft and everything SQLite or the runner made beside it; nobody else knows its name. Best
 * effort: a path whose folder is a file (ENOTDIR) never had a draft, and a failed removal must not
 * replace the run's own error or result.
 */
function removeDraft(draft: string, lock: string): void {
  for (const p of [draft, `${draft}-wal`, `${draft}-shm`, `${draft}-journal`, lock]) {
    try {
      rmSync(p, { force: true });
    } catch {
      // See above.
    }
  }
}

/** The draft's error as the file's: its message and details name the file the user gave. */
function renamed(error: StateError, draft: string, path: string): StateError {
  const swap = (v: unknown): unknown => (typeof v === "string" ? v.split(draft).join(path) : v);
  const details = Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, swap(v)]));
  return new StateError(error.code, swap(error.message) as string, { cause: error.cause ?? error, details });
}
