import { createHash, randomUUID } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Sha256Offload } from "../../../crypto/index.js";
import { raceSignal, throwIfAborted } from "../../abort-error.js";
import { makeDirectoryDurably, syncDirectory } from "../../file-io.js";
import { osErrorAsLocalIo } from "../../job-errors.js";
import { handBackSource, isPutBody, notABody, notBytes } from "../../put-body.js";
import { StorageError } from "../../storage-error.js";
import type { BlockPaths } from "./block-paths.js";
import { bytesForWorker } from "./worker-bytes.js";

const WHERE = "put to the local store";

export interface WrittenBlock {
  readonly digestHex: string;
  readonly size: number;
}

/**
 * Streams content into a fresh file under `incoming/` while hashing it, fsyncs it, then renames it
 * to its digest's name and fsyncs the directory: a crash leaves either the whole block or a stray
 * temp file (removed by a later sweep once stale), never a partial block under a real name.
 */
export async function writeBlockAtomically(
  paths: BlockPaths,
  body: Uint8Array | AsyncIterable<Uint8Array>,
  declaredSize: number | undefined,
  signal: AbortSignal | undefined,
  hasher: Sha256Offload,
  /** Names of the temp files being written, for the stale-temp sweep to leave alone (a source may pause for hours). */
  writing: Set<string>,
): Promise<WrittenBlock> {
  if (!isPutBody(body)) throw notABody(body, WHERE);
  // Taken before anything can fail (the temp file the disk refuses included), so every failure hands the source back.
  const source = body instanceof Uint8Array ? body : body[Symbol.asyncIterator]();
  const name = `${randomUUID()}.part`;
  writing.add(name);
  try {
    return await writeBlock(paths, join(paths.incoming, name), source, declaredSize, signal, hasher);
  } catch (error) {
    if (!(source instanceof Uint8Array)) handBackSource(body as AsyncIterable<Uint8Array>, source);
    throw error;
  } finally {
    writing.delete(name);
  }
}

async function writeBlock(
  paths: BlockPaths,
  temp: string,
  body: Uint8Array | AsyncIterator<Uint8Array>,
  declaredSize: number | undefined,
  signal: AbortSignal | undefined,
  hasher: Sha256Offload,
): Promise<WrittenBlock> {
  throwIfAborted(signal, "put to the local store");
  // Directories are made when missing, not checked on every put (a call less per block).
  const handle = await retryInNewDirectory(() => open(temp, "wx"), paths.incoming);
  let closed = false;
  try {
    let size = 0;
    let whole: Promise<Buffer>;
    if (body instanceof Uint8Array) {
      // One buffer: hashed on the hashing worker while the write is under way.
      const writing = writeAll(handle, body);
      whole = hasher.digest(bytesForWorker(body));
      whole.catch(() => undefined);
      size = body.byteLength;
      await writing;
    } else {
      const hash = createHash("sha256");
      const iterator = body;
      for (;;) {
        // The source may stall; an abort must not wait for it.
        // next() and return() may answer without a promise (for await accepts that), and return() may throw: neither may
        // fail the put with a raw TypeError or escape the abort listener (an uncaught exception).
        const step = await raceSignal(Promise.resolve(iterator.next()).catch(sourceFailed), signal, "put to the local store", () => void (async () => iterator.return?.())().catch(() => undefined));
        if (step.done === true) break;
        // Text (a stream with an encoding set) would be hashed but not written: a block whose bytes are not its CID's.
        if (!(step.value instanceof Uint8Array)) throw notBytes(step.value, WHERE);
        if (step.value.byteLength === 0) continue;
        throwIfAborted(signal, "put to the local store");
        size += step.value.byteLength;
        // A source that goes on past its size (a file still growing) is refused now, not once the disk is full.
        if (declaredSize !== undefined && size > declaredSize) throw sizeMismatch(declaredSize, size);
        hash.update(step.value);
        await writeAll(handle, step.value);
      }
      whole = Promise.resolve(hash.digest());
    }
    if (declaredSize !== undefined && declaredSize !== size) throw sizeMismatch(declaredSize, size);
    await handle.sync();
    await handle.close();
    closed = true;
    const digestHex = (await whole).toString("hex");
    // Given up (or the store closed) while it was written: nothing is stored under a real name.
    throwIfAborted(signal, "put to the local store");
    // Identical content has the identical name, so a concurrent or earlier copy is simply replaced.
    await retryInNewDirectory(() => rename(temp, paths.block(digestHex)), paths.shard(digestHex));
    await syncDirectory(paths.shard(digestHex));
    return { digestHex, size };
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The source's own OS failure (a file stream on a card pulled out) names the source, not the store's disk. */
function sourceFailed(error: unknown): never {
  throw osErrorAsLocalIo(error, "reading the source of a put to the local store");
}

function sizeMismatch(declared: number, size: number): StorageError {
  return new StorageError(
    size < declared ? "E_TRUNCATED" : "E_BACKEND_REJECTED",
    `put to the local store: the body had ${size < declared ? "" : "at least "}${size} bytes but size said ${declared}; nothing was stored.`,
    { details: { declared, actual: size } },
  );
}

/** Runs `operation`; when it fails because `dir` does not exist, creates `dir` (durably) and runs it once more. */
async function retryInNewDirectory<T>(operation: () => Promise<T>, dir: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    // The block's rename and the sync of its shard alone would not keep a new shard's own entry.
    await makeDirectoryDurably(dir);
    return operation();
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at);
    at += bytesWritten;
  }
}
