import type { FileHandle } from "node:fs/promises";
import { openAppFile } from "../file-io.js";
import { localIoError } from "../job-errors.js";
import { StorageError } from "../storage-error.js";

/** OS codes saying nothing is at the path (deleted, a folder on its path gone or replaced by a file, a link loop, a path longer than any file's). */
const SOURCE_GONE = new Set(["ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG"]);

/**
 * Why the file to share could not be opened, typed for what the user can do: gone is
 * E_SOURCE_MISSING (share it again), while the disk refusing (no read permission, a folder on the
 * path the app may not enter, an I/O error, too many files open) is E_LOCAL_IO, as documented: the
 * file is still there, and sharing it again fails the same way until the cause is fixed.
 * `what` names the file and the job or call (it starts the message).
 */
export function sourceOpenError(cause: unknown, path: string, what: string, gone: string): StorageError {
  const { code, syscall } = (cause ?? {}) as { code?: unknown; syscall?: unknown };
  // Not the OS's answer (no syscall): Node refused the path itself (a NUL byte in it), which no file can have.
  if ((typeof code === "string" && SOURCE_GONE.has(code)) || typeof syscall !== "string") {
    return new StorageError("E_SOURCE_MISSING", `${what}: ${gone} (${code})`, { cause, details: { path, os: code } });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new StorageError("E_LOCAL_IO", `${what}: cannot read ${path}: permission was denied (${code}); give this app read access to the file (and the folders on its path), or share another one`, {
      cause,
      details: { code, path },
    });
  }
  const error = localIoError(cause, `${what}: reading ${path}`);
  return new StorageError("E_LOCAL_IO", error.message, { cause, details: { ...error.details, path } });
}

/** Opens the file being shared and checks it still has the size the job was created with. */
export async function openSource(path: string, expectedSize: number, jobId: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await openAppFile(path);
  } catch (cause) {
    const error = sourceOpenError(cause, path, `upload ${jobId}`, "the file being shared can no longer be read; share it again");
    throw new StorageError(error.code, error.message, { cause, details: { ...error.details, job: jobId } });
  }
  let info;
  try {
    info = await handle.stat();
  } catch (cause) {
    // The descriptor is ours until returned: a failed stat (EIO on a failing card) must not leak it per failed share.
    await handle.close().catch(() => undefined);
    const error = sourceOpenError(cause, path, `upload ${jobId}`, "the file being shared can no longer be read; share it again");
    throw new StorageError(error.code, error.message, { cause, details: { ...error.details, job: jobId } });
  }
  if (!info.isFile()) {
    await handle.close();
    throw new StorageError("E_SOURCE_MISSING", `upload ${jobId}: the path being shared is no longer a regular file; share it again`, { details: { job: jobId } });
  }
  const size = info.size;
  if (size !== expectedSize) {
    await handle.close();
    throw sourceChanged(jobId, `it is now ${size} bytes, it was ${expectedSize}`);
  }
  return handle;
}

export function sourceChanged(jobId: string, why: string): StorageError {
  return new StorageError("E_SOURCE_CHANGED", `upload ${jobId}: the file being shared changed since the upload began (${why}); share it again`, {
    details: { job: jobId },
  });
}
