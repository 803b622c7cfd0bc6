import { chmodSync, chownSync, lstatSync, statSync, type Stats } from "node:fs";
import { chmod, chown, lstat, stat } from "node:fs/promises";

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
 * The mode to create the replacement with (`open`'s third argument): the replaced file's permission
 * bits, so it is never more open than that file while it is written (the umask still applies);
 * the default 0o666 when there is no regular file at `target`.
 */
export function creationModeFor(target: string): number {
  const replaced = regularFileSync(target);
  return replaced === undefined ? 0o666 : replaced.mode & 0o777;
}

/** The async form of creationModeFor. */
export async function creationModeOf(target: string): Promise<number> {
  const replaced = await lstat(target).catch(() => undefined);
  return replaced?.isFile() === true ? replaced.mode & 0o777 : 0o666;
}

/** Gives `replacement` the mode, owner and group of the regular file at `target`, if one is there; OS errors other than a refused chown are thrown. */
export function keepReplacedAttributesSync(replacement: string, target: string): void {
  const replaced = regularFileSync(target);
  if (replaced === undefined) return;
  const mine = statSync(replacement);
  if (mine.uid !== replaced.uid || mine.gid !== replaced.gid) {
    try {
      chownSync(replacement, replaced.uid, replaced.gid);
    } catch (error) {
      if (!refusedChown(error)) throw error;
    }
  }
  // After the chown, which may clear bits; the umask does not apply to chmod.
  chmodSync(replacement, replaced.mode & 0o777);
}

/** The async form of keepReplacedAttributesSync. */
export async function keepReplacedAttributes(replacement: string, target: string): Promise<void> {
  const replaced = await lstat(target).catch(() => undefined);
  if (replaced?.isFile() !== true) return;
  const mine = await stat(replacement);
  if (mine.uid !== replaced.uid || mine.gid !== replaced.gid) {
    try {
      await chown(replacement, replaced.uid, replaced.gid);
    } catch (error) {
      if (!refusedChown(error)) throw error;
    }
  }
  await chmod(replacement, replaced.mode & 0o777);
}

/**
 * The regular file at `path` itself, not through a link: callers give the file a rename replaces,
 * links already followed, and a link put there since (another user's, in /tmp) is replaced by the
 * rename, so its target's mode and owner (a file that user chose) must not be taken.
 */
function regularFileSync(path: string): Stats | undefined {
  try {
    const info = lstatSync(path);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

/** A writer that is not root may not give a file away (EPERM), and some file systems keep no owners (FAT: EPERM, ENOTSUP, ENOSYS). */
function refusedChown(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EINVAL";
}
