import { createHash, randomUUID } from "node:crypto";
import { open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { rawSha256Digest } from "./content-id.js";
import { whenFileHolds } from "./file-holds.js";
import { makeDirectoryDurably, removeStaleTemps, syncDirectory, writeAt } from "./file-io.js";
import { osErrorAsLocalIo } from "./job-errors.js";
import { StorageError } from "./storage-error.js";
import { sourceIdentity, type SourceIdentity } from "./upload/source-identity.js";

/**
 * Writes bytes an application shares (rather than a file path) to the spool directory, atomically,
 * so the upload can be resumed from disk after a crash like any other. `name` is the bytes' content
 * CID: a spool file already there that still holds these very bytes is kept as it is, since an
 * unfinished upload of them may have recorded its identity (inode, mtime, ctime) and would refuse to
 * resume from a replaced file. One that does not (fetch hands out its path, a cache hit on the
 * sender's own file, and the application may have written to it) is replaced. Gives the file's
 * path and its identity as written or compared (device, inode, size, mtime, ctime), which the upload
 * reading it records as a first run would: the app may write to it before that run.
 */
export async function spoolBytes(dir: string, name: string, bytes: Uint8Array): Promise<SpooledFile> {
  // One write per spool file at a time: the same bytes shared twice at once would otherwise both
  // write it, the second renamed over the file the first upload already recorded as its source.
  const path = join(dir, name);
  const before = writing.get(path) ?? Promise.resolve();
  const write = before.then(() => writeSpool(dir, name, bytes));
  const settled = write.catch(() => undefined);
  writing.set(path, settled);
  try {
    return await write;
  } catch (error) {
    // A full disk, a file in the way: the share's typed E_LOCAL_IO, naming where.
    throw osErrorAsLocalIo(error, `spooling the shared bytes to ${dir}`);
  } finally {
    if (writing.get(path) === settled) writing.delete(path);
  }
}

/** The last spool write asked for per spool file path, settled either way. */
const writing = new Map<string, Promise<unknown>>();

export interface SpooledFile {
  readonly path: string;
  readonly identity: SourceIdentity;
}

async function writeSpool(dir: string, name: string, bytes: Uint8Array): Promise<SpooledFile> {
  await makeDirectoryDurably(dir);
  const path = join(dir, name);
  if ((await stat(path).catch(() => undefined))?.size === bytes.byteLength) {
    const identity = await whenFileHolds(path, bytes, sourceIdentity);
    if (identity !== undefined) return { path, identity };
  }
  const temp = join(dir, `.${name}.${randomUUID().slice(0, 8)}.part`);
  const handle = await open(temp, "w");
  try {
    try {
      await writeNamedContent(handle, bytes, name);
      await handle.sync();
      // A failed rename (a full directory, something in the way) must not leave the temp file
      // behind: a start removes those only once they are an hour old.
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDirectory(dir);
    // Taken after the rename, which moves the file's change time (ext4 does); nothing else has the path yet.
    return { path, identity: await sourceIdentity(handle) };
  } finally {
    await handle.close();
  }
}

/** Slices of the spool write, each hashed once written: the hash of 1 MiB holds the event loop about a millisecond. */
const SPOOL_SLICE_BYTES = 1024 * 1024;

/**
 * Writes `bytes` and checks that what was written is the content `name` (their CID, taken when
 * share() was called) names. share() returns at once and the bytes are read when their spool turn
 * comes: an application that reused its buffer meanwhile (a recording's ring buffer, a pooled read)
 * had other bytes shared without a word, spooled under the name of the bytes it had given (a cached
 * file named for one content holding another). Hashed here, on the slices as they are written, where
 * a second pass over a large share's bytes would hold the event loop for its whole length.
 */
async function writeNamedContent(handle: FileHandle, bytes: Uint8Array, name: string): Promise<void> {
  const expected = rawSha256Digest(name);
  const hash = createHash("sha256");
  for (let at = 0; at < bytes.byteLength; at += SPOOL_SLICE_BYTES) {
    const slice = bytes.subarray(at, Math.min(at + SPOOL_SLICE_BYTES, bytes.byteLength));
    await writeAt(handle, slice, at);
    hash.update(slice);
  }
  if (expected === undefined || hash.digest().equals(expected)) return;
  throw new StorageError(
    "E_SOURCE_CHANGED",
    "the bytes given to share() changed after it returned, before they were spooled (share() reads them when their spool turn comes, after it returns): nothing was sent; keep them unchanged until the share's done settles, or pass a copy (Buffer.from(bytes)), and share them again",
    { details: { spool: true } },
  );
}

/**
 * Removes the temp files of spool writes a crash interrupted (an app killed right after "send"
 * leaves up to a whole file of them). A starting client calls it; fresh ones are left alone.
 */
export async function removeStraySpoolTemps(dir: string): Promise<void> {
  await removeStaleTemps(dir, (name) => name.startsWith(".") && name.endsWith(".part"));
}
