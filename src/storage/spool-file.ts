import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { syncDirectory, writeAt } from "./file-io.js";

/**
 * Writes bytes an application shares (rather than a file path) to the spool directory, atomically,
 * so the upload can be resumed from disk after a crash like any other. `name` is the bytes' content
 * CID: a spool file already there holds these very bytes (written whole before its rename) and is
 * kept as it is, since an unfinished upload of them may have recorded its identity (inode, mtime)
 * and would refuse to resume from a replaced file.
 */
export async function spoolBytes(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  if ((await stat(path).catch(() => undefined))?.size === bytes.byteLength) return path;
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

/** A spool temp file this old is a crash's leftover, not another process's write in progress. */
const STRAY_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the temp files of spool writes a crash interrupted (an app killed right after "send"
 * leaves up to a whole file of them). A starting client calls it; fresh ones are left alone.
 */
export async function removeStraySpoolTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - STRAY_TEMP_AGE_MS;
  for (const name of names) {
    if (!name.startsWith(".") || !name.endsWith(".part")) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) await unlink(path).catch(() => undefined);
  }
}
