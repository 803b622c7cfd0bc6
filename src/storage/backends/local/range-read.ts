import { open } from "node:fs/promises";
import { abortedError } from "../../abort-error.js";
import { StorageError } from "../../storage-error.js";
import { ioError, isMissing, notFound } from "./local-errors.js";

/** Bytes per chunk of a get body: streams, never whole blocks, in memory. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A block's bytes: `size` bytes of `path` from `start` (a whole old-layout file, or a range of a
 * segment). Opened only when iterated, so an unread body holds no file handle. Into the caller's
 * buffer in whole when it lent one (one read, no copy), else in fresh chunks of at most 1 MiB.
 */
export async function* readRange(
  path: string,
  start: number,
  size: number,
  cid: string,
  signal: AbortSignal | undefined,
  into: Uint8Array | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isMissing(error)) throw notFound(cid);
    throw ioError(error, `get ${cid}`);
  }
  try {
    let position = 0;
    while (position < size) {
      if (signal?.aborted === true) throw abortedError(signal.reason, `get ${cid}`);
      const buffer = into?.subarray(position) ?? Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, size - position));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.byteLength, start + position));
      } catch (error) {
        throw ioError(error, `get ${cid}`);
      }
      if (bytesRead === 0) {
        throw new StorageError("E_TRUNCATED", `${cid} ended after ${position} of ${size} bytes (removed or cut while being read?)`, {
          details: { cid, received: position, expected: size },
        });
      }
      position += bytesRead;
      yield bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
