import { closeSync, fsyncSync, openSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * What opening or syncing a folder answers where the platform or file system has no way to sync
 * one; there a rename into the folder is as durable as that platform makes it (the file itself was
 * synced before), and refusing the write for it failed every block put on Windows.
 * - EPERM: Windows opens a folder, but refuses FlushFileBuffers on it (nodejs/node#3879).
 * - EISDIR, EACCES: a platform that cannot open a folder as a file at all (Windows on some paths;
 *   PostgreSQL's fsync_fname ignores both on a folder's open). EACCES is also a folder one may write
 *   into but not read (mode 0300): the rename was allowed, only its sync cannot be asked for.
 * - EINVAL: fsync(2)'s "does not support synchronization" (some FUSE and network file systems).
 * - ENOTSUP, EOPNOTSUPP: a file system without folder sync (one number on Linux, two on macOS).
 * - EBADF: systems that refuse fsync on a descriptor opened read-only, as a folder must be opened.
 * Every other failure is real and thrown: EIO (the disk failed to write the folder back: the
 * rename may be lost), ENOSPC / EDQUOT (a network file system reporting a failed write late),
 * ENOENT / ENOTDIR (the folder, and the file renamed into it, gone), EMFILE / ENFILE (nothing was
 * synced; the caller's retry may be).
 */
const FOLDER_SYNC_UNSUPPORTED: ReadonlySet<string> = new Set(["EPERM", "EISDIR", "EACCES", "EINVAL", "ENOTSUP", "EOPNOTSUPP", "EBADF"]);

function unsupported(error: unknown): boolean {
  return FOLDER_SYNC_UNSUPPORTED.has(String((error as NodeJS.ErrnoException | undefined)?.code));
}

/** Makes a rename into `dir` durable (the directory entry itself), where the platform can sync a folder. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    if (unsupported(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!unsupported(error)) throw error;
  } finally {
    await handle.close();
  }
}

/** syncDirectory for synchronous callers (the CLI's whole-file writes), with the same answers. */
export function syncDirectorySync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch (error) {
    if (unsupported(error)) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!unsupported(error)) throw error;
  } finally {
    closeSync(fd);
  }
}
