import type { FileHandle } from "node:fs/promises";
import { openAppFile } from "../file-io.js";
import { StorageError } from "../storage-error.js";

/** Opens the file being shared and checks it still has the size the job was created with. */
export async function openSource(path: string, expectedSize: number, jobId: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await openAppFile(path);
  } catch (cause) {
    throw new StorageError("E_SOURCE_MISSING", `upload ${jobId}: the file being shared can no longer be read (${(cause as { code?: string }).code ?? "error"}); share it again`, {
      cause,
      details: { job: jobId },
    });
  }
  const info = await handle.stat();
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
