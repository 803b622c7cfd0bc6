import { chmodSync, chownSync, fchmodSync, fchownSync, fstatSync, lstatSync, statSync, type Stats } from "node:fs";
import { chmod, chown, lstat, stat, type FileHandle } from "node:fs/promises";

/**
 * A file written beside `target` and renamed onto it (an atomic replace) is a new file: it had the
 * default mode (0644 under the usual umask) and its writer's owner, so a private 0600 file it
 * replaced became readable by everyone, a 0664 one lost its group's write, and a root job's output
 * took a user's file away from them. `cp` and `curl -o` onto an existing file write it in place and
 * keep all that; these give the replacement the replaced file's permission bits (not set-id or
 * sticky bits: a fetched file is no program to run as its owner) and, where the OS lets the writer
 * (root; a group the writer is in), its owner and group, before the rename. Hard links are not kept:
 * the other names keep the old file, as after any editor's save by rename.
 *
 * What to give is decided once, from the two files' `Stats` (replacedAttributes, creationModeFrom:
 * no file system); the sync (the CLI's writeWholeFile) and async (the download) forms below only
 * make the system calls. The replaced file is looked at itself (lstat), never through a link:
 * callers give the file a rename replaces, links already followed, and a link put there since
 * (another user's, in /tmp) is replaced by the rename, so its target's mode and owner (a file that
 * user chose) must not be taken.
 */

/** What of a file's `Stats` the decision reads (a test gives plain objects). */
export type FileFacts = Pick<Stats, "mode" | "uid" | "gid"> & { isFile(): boolean };

/** What a replacement is to be given: its mode, and its owner and group when they differ from its own. */
export interface KeptAttributes {
  mode: number;
  owner?: { uid: number; gid: number };
}

/**
 * The mode to create the replacement with (`open`'s third argument), from what is at the target
 * (lstat; undefined when nothing is there): the replaced file's permission bits, so it is never more
 * open than that file while it is written (the umask still applies); the default 0o666 otherwise.
 */
export function creationModeFrom(replaced: FileFacts | undefined): number {
  return replaced?.isFile() === true ? replaced.mode & 0o777 : 0o666;
}

/**
 * What the replacement (`mine`: its own stat) is to be given so that it keeps the replaced file's
 * (lstat of the target) permission bits, owner and group; undefined when no regular file is replaced.
 */
export function replacedAttributes(replaced: FileFacts | undefined, mine: Pick<Stats, "uid" | "gid">): KeptAttributes | undefined {
  if (replaced?.isFile() !== true) return undefined;
  const mode = replaced.mode & 0o777;
  if (mine.uid === replaced.uid && mine.gid === replaced.gid) return { mode };
  return { mode, owner: { uid: replaced.uid, gid: replaced.gid } };
}

/** The mode to create a replacement of `target` with (creationModeFrom). */
export function creationModeFor(target: string): number {
  return creationModeFrom(replacedSync(target));
}

/** The async form of creationModeFor. */
export async function creationModeOf(target: string): Promise<number> {
  return creationModeFrom(await replacedAsync(target));
}

/**
 * Gives `replacement` the mode, owner and group of the regular file at `target`, if one is there;
 * OS errors other than a refused chown are thrown. Given an open descriptor of the replacement (a
 * number), the calls are made on it, never on a name another user could have put a link at since.
 */
export function keepReplacedAttributesSync(replacement: string | number, target: string): void {
  const replaced = replacedSync(target);
  if (replaced?.isFile() !== true) return;
  const onFd = typeof replacement === "number";
  const keep = replacedAttributes(replaced, onFd ? fstatSync(replacement) : statSync(replacement));
  if (keep === undefined) return;
  if (keep.owner !== undefined) {
    try {
      if (onFd) fchownSync(replacement, keep.owner.uid, keep.owner.gid);
      else chownSync(replacement, keep.owner.uid, keep.owner.gid);
    } catch (error) {
      if (!refusedChown(error)) throw error;
    }
  }
  // After the chown, which may clear bits; the umask does not apply to chmod.
  if (onFd) fchmodSync(replacement, keep.mode);
  else chmodSync(replacement, keep.mode);
}

/** The async form of keepReplacedAttributesSync; an open FileHandle of the replacement has the calls made on it. */
export async function keepReplacedAttributes(replacement: string | FileHandle, target: string): Promise<void> {
  const replaced = await replacedAsync(target);
  if (replaced?.isFile() !== true) return;
  const onHandle = typeof replacement !== "string";
  const keep = replacedAttributes(replaced, onHandle ? await replacement.stat() : await stat(replacement));
  if (keep === undefined) return;
  if (keep.owner !== undefined) {
    try {
      if (onHandle) await replacement.chown(keep.owner.uid, keep.owner.gid);
      else await chown(replacement, keep.owner.uid, keep.owner.gid);
    } catch (error) {
      if (!refusedChown(error)) throw error;
    }
  }
  if (onHandle) await replacement.chmod(keep.mode);
  else await chmod(replacement, keep.mode);
}

/** What is at `path` itself (not through a link); undefined when nothing can be looked at there. */
function replacedSync(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

async function replacedAsync(path: string): Promise<Stats | undefined> {
  return lstat(path).catch(() => undefined);
}

/** A writer that is not root may not give a file away (EPERM), and some file systems keep no owners (FAT: EPERM, ENOTSUP, ENOSYS). */
function refusedChown(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EINVAL";
}
