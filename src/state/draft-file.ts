import { randomBytes } from "node:crypto";
import { lstatSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { linkUnlessTakenSync, syncDirectorySync } from "../fs/index.js";
import { LockFile } from "./lock-file.js";
import { takeAbandonedOwnerLock } from "./owned-folders.js";
import { lockPathFor } from "./migration-lock.js";
import { realPathOf } from "./real-path.js";
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
  const made = fileToCreate(path);
  const { draft, owner } = ownedDraftName(made);
  // Named now: once the draft is gone its lock's name can no longer be derived from it.
  const draftLock = lockPathFor(draft);
  try {
    // The draft's connection is closed by build: its WAL is checkpointed into it and removed.
    const { result, committedLevel } = await build(draft);
    return { result, published: committedLevel !== undefined && publish(draft, made, committedLevel) };
  } catch (error) {
    throw error instanceof StateError ? renamed(error, draft, path) : error;
  } finally {
    removeDraft(draft, draftLock);
    // Last: until the draft's files are gone, its held lock tells a cleaner this process still lives.
    if (owner !== undefined) {
      owner.release();
      removeQuietly(`${draft}${OWNER_SUFFIX}`);
    }
  }
}

/**
 * The file a creating run makes: `path`, or the file a dangling link there names (state.sqlite linked
 * to another disk before the first start), which SQLite creates through the link. Built beside the
 * link, the draft could not take the link's name (a link never replaces a file, and the link is
 * one), so the run was made a second time in place, without the draft's guarantee that a stopped
 * run leaves no file; on another disk than the link, it could not have been linked there at all.
 */
function fileToCreate(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realPathOf(path) : path;
  } catch {
    return path;
  }
}

/** Beside a draft `.FILE.new-<pid>-<hex>`: the lock its creator holds while it lives (see removeAbandonedDrafts). */
const OWNER_SUFFIX = ".owner-lock";

/** What a draft's files are named after its `.FILE.new-` prefix: `<pid>-<8 hex>`, then the draft's own or a sidecar's suffix. */
const DRAFT_REST = /^((\d+)-[0-9a-f]{8})(-wal|-shm|-journal|\.migrate-lock|\.owner-lock)?$/;

/**
 * A fresh draft name and its owner lock, taken: the OS lets go of it when this process dies,
 * SIGKILL included, which is how a later run tells an abandoned draft from a live one. A cleaner
 * that took the new lock file between its creation and this take (it saw no draft yet) makes the
 * take fail: another name is tried.
 */
function ownedDraftName(path: string): { draft: string; owner: LockFile | undefined } {
  for (let attempt = 0; ; attempt++) {
    const draft = join(dirname(path), `.${basename(path)}.new-${process.pid}-${randomBytes(4).toString("hex")}`);
    let owner: LockFile;
    try {
      owner = LockFile.open(`${draft}${OWNER_SUFFIX}`);
    } catch {
      // The folder is missing, not writable or not a folder: the build cannot make its draft either
      // and reports that with its own code.
      return { draft, owner: undefined };
    }
    if (owner.tryTake()) return { draft, owner };
    owner.release();
    if (attempt === 2) throw new StateError("E_STATE_LOCKED", `cannot take the lock of a new draft beside ${path}: another run keeps taking it; run it again`, { details: { path } });
  }
}

/**
 * Removes the drafts of FILE whose creator is gone: a creating `migrate up` or first open killed
 * outright (SIGKILL, the OOM killer) runs no clean-up and leaves `.FILE.new-<pid>-<hex>` with its
 * sidecars. A draft whose owner lock is held (a creator running now, in this process or another,
 * whatever its pid says) is left alone. A draft without an owner lock (made by a build before
 * these locks, or in the instant between its lock's creation and its take) is judged by its pid:
 * removed only when no process has that pid. A pid reused by another process keeps such a draft
 * (harmless, hidden, removed once that pid is free), never removes a live one. Best effort: a
 * folder or file that cannot be read or removed is left as it is.
 */
export function removeAbandonedDrafts(path: string): void {
  const made = fileToCreate(path);
  const dir = dirname(made);
  const prefix = `.${basename(made)}.new-`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  const drafts = new Map<string, { pid: number; files: string[]; owned: boolean }>();
  for (const name of names) {
    const rest = DRAFT_REST.exec(name.slice(prefix.length));
    if (rest === null) continue;
    const id = `${prefix}${rest[1]}`;
    const entry = drafts.get(id) ?? { pid: Number(rest[2]), files: [], owned: false };
    entry.files.push(join(dir, name));
    if (rest[3] === OWNER_SUFFIX) entry.owned = true;
    drafts.set(id, entry);
  }
  for (const [id, { pid, files, owned }] of drafts) {
    if (owned) {
      removeIfOwnerGone(join(dir, `${id}${OWNER_SUFFIX}`), files);
    } else if (!processLives(pid)) {
      for (const file of files) removeQuietly(file);
    }
  }
}

/** Takes the owner lock: held, its creator is gone; its files go while it is held, the lock file last. */
function removeIfOwnerGone(ownerPath: string, files: string[]): void {
  const lock = takeAbandonedOwnerLock(ownerPath);
  if (lock === undefined) return;
  try {
    for (const file of files) if (file !== ownerPath) removeQuietly(file);
    removeQuietly(ownerPath);
  } finally {
    lock.release();
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending; EPERM: it exists, another user's). */
function processLives(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Best effort: see removeAbandonedDrafts.
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
  for (const p of [draft, `${draft}-wal`, `${draft}-shm`, `${draft}-journal`, lock]) removeQuietly(p);
}

/** The draft's error as the file's: its message and details name the file the user gave. */
function renamed(error: StateError, draft: string, path: string): StateError {
  const swap = (v: unknown): unknown => (typeof v === "string" ? v.split(draft).join(path) : v);
  const details = Object.fromEntries(Object.entries(error.details).map(([k, v]) => [k, swap(v)]));
  return new StateError(error.code, swap(error.message) as string, { cause: error.cause ?? error, details });
}
