import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Sha256Offload } from "../../../crypto/index.js";
import { raceSignal, throwIfAborted } from "../../abort-error.js";
import { syncDirectory } from "../../file-io.js";
import { StorageError } from "../../storage-error.js";
import type { BlockPaths } from "./block-paths.js";
import type { BlockWriter } from "./block-writer.js";

export interface WrittenBlock {
  readonly digestHex: string;
  readonly size: number;
}

/**
 * Puts content into a fresh file under `incoming/`, fsyncs it, then renames it to its digest's name
 * and fsyncs the directory: a crash leaves either the whole block or a stray temp file (removed on
 * the next start), never a partial block under a real name. One buffer is written by the writer
 * thread while the hashing worker hashes it; a stream is hashed here as it is written.
 */
export async function writeBlockAtomically(
  paths: BlockPaths,
  body: Uint8Array | AsyncIterable<Uint8Array>,
  declaredSize: number | undefined,
  signal: AbortSignal | undefined,
  workers: { hasher: Sha256Offload; writer: BlockWriter },
): Promise<WrittenBlock> {
  throwIfAborted(signal, "put to the local store");
  const temp = join(paths.incoming, `${randomUUID()}.part`);
  try {
    const { size, digest } = body instanceof Uint8Array ? await writeBuffer(body, temp, paths, declaredSize, workers) : await writeStream(body, temp, paths, declaredSize, signal);
    const digestHex = digest.toString("hex");
    // Identical content has the identical name, so a concurrent or earlier copy is simply replaced.
    await retryInNewDirectory(() => rename(temp, paths.block(digestHex)), paths.shard(digestHex));
    await syncDirectory(paths.shard(digestHex));
    return { digestHex, size };
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** One buffer into `temp`, durable, by the writer thread; hashed on the hashing worker meanwhile. */
async function writeBuffer(
  body: Uint8Array,
  temp: string,
  paths: BlockPaths,
  declaredSize: number | undefined,
  workers: { hasher: Sha256Offload; writer: BlockWriter },
): Promise<{ size: number; digest: Buffer }> {
  checkSize(declaredSize, body.byteLength);
  const whole = workers.hasher.digest(body);
  whole.catch(() => undefined); // awaited below; a failed write meanwhile must not leave it unhandled
  await workers.writer.write(body, temp, paths.incoming);
  return { size: body.byteLength, digest: await whole };
}

/** A stream into `temp`, hashed as it is written, then fsynced. */
async function writeStream(
  body: AsyncIterable<Uint8Array>,
  temp: string,
  paths: BlockPaths,
  declaredSize: number | undefined,
  signal: AbortSignal | undefined,
): Promise<{ size: number; digest: Buffer }> {
  // Directories are made when missing, not checked on every put (a call less per block).
  const handle = await retryInNewDirectory(() => open(temp, "wx"), paths.incoming);
  try {
    const hash = createHash("sha256");
    let size = 0;
    const iterator = body[Symbol.asyncIterator]();
    for (;;) {
      // The source may stall; an abort must not wait for it.
      const step = await raceSignal(iterator.next(), signal, "put to the local store", () => void iterator.return?.()?.catch(() => undefined));
      if (step.done === true) break;
      if (step.value.byteLength === 0) continue;
      throwIfAborted(signal, "put to the local store");
      hash.update(step.value);
      size += step.value.byteLength;
      await writeAll(handle, step.value);
    }
    checkSize(declaredSize, size);
    await handle.sync();
    return { size, digest: hash.digest() };
  } finally {
    await handle.close();
  }
}

function checkSize(declaredSize: number | undefined, size: number): void {
  if (declaredSize !== undefined && declaredSize !== size) {
    throw new StorageError(
      size < declaredSize ? "E_TRUNCATED" : "E_BACKEND_REJECTED",
      `put to the local store: the body had ${size} bytes but size said ${declaredSize}; nothing was stored.`,
      { details: { declared: declaredSize, actual: size } },
    );
  }
}

/** Runs `operation`; when it fails because `dir` does not exist, creates `dir` and runs it once more. */
async function retryInNewDirectory<T>(operation: () => Promise<T>, dir: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    await mkdir(dir, { recursive: true });
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
