import { randomUUID } from "node:crypto";
import { open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fileHolds } from "./file-holds.js";
import { makeDirectoryDurably, removeStaleTemps, syncDirectory, writeAt } from "./file-io.js";
import { osErrorAsLocalIo } from "./job-errors.js";

/**
 * Writes bytes an application shares (rather than a file path) to the spool directory, atomically,
 * so the upload can be resumed from disk after a crash like any other. `name` is the bytes' content
 * CID: a spool file already there that still holds these very bytes is kept as it is, since an
 * unfinished upload of them may have recorded its identity (inode, mtime) and would refuse to
 * resume from a replaced file. One that does not (fetch hands out its path, a cache hit on the
 * sender's own file, and the application may have written to it) is replaced.
 */
export async function spoolBytes(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  try {
    return await writeSpool(dir, name, bytes);
  } catch (error) {
    // A full disk, a file in the way: the share's typed E_LOCAL_IO, naming where.
    throw osErrorAsLocalIo(error, `spooling the shared bytes to ${dir}`);
  }
}

async function writeSpool(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  await makeDirectoryDurably(dir);
  const path = join(dir, name);
  if ((await stat(path).catch(() => undefined))?.size === bytes.byteLength && (await fileHolds(path, bytes))) return path;
  const temp = join(dir, `.${name}.${randomUUID().slice(0, 8)}.part`);
  const handle = await open(temp, "w");
  try {
    await writeAt(handle, bytes, 0);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dir);
  return path;
}

/**
 * Removes the temp files of spool writes a crash interrupted (an app killed right after "send"
 * leaves up to a whole file of them). A starting client calls it; fresh ones are left alone.
 */
export async function removeStraySpoolTemps(dir: string): Promise<void> {
  await removeStaleTemps(dir, (name) => name.startsWith(".") && name.endsWith(".part"));
}
