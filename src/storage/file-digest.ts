import type { Sha256Offload } from "../crypto/index.js";
import { throwIfAborted } from "./abort-error.js";
import { openAppFile } from "./file-io.js";

/** Bytes read at a time: the hashing worker gets a copy of each, so the main thread only reads. */
const READ_BYTES = 1024 * 1024;

/**
 * sha256 of a whole file, read in order and hashed on the hashing worker. `signal` is checked
 * between reads: a large file (50 MB on a slow phone takes seconds) must not hold up a stop or
 * cancel; an abort throws the signal's typed error (abortedError).
 */
export async function fileSha256(hasher: Sha256Offload, path: string, expectedBytes: number, signal?: AbortSignal): Promise<Buffer> {
  throwIfAborted(signal, `the hash of ${path}`);
  // Posts nothing to the worker until the first update: an open that fails below leaves nothing there (file-digest.test.ts).
  const running = hasher.running(expectedBytes);
  const handle = await openAppFile(path);
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    for (let at = 0; ; ) {
      throwIfAborted(signal, `the hash of ${path}`);
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, at);
      if (bytesRead === 0) break;
      // Awaited: the buffer is read into again only once the worker has taken these bytes.
      await running.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    return await running.digest();
  } catch (error) {
    running.dispose();
    throw error;
  } finally {
    await handle.close();
  }
}
