import type { Sha256Offload } from "../crypto/index.js";
import { throwIfAborted } from "./abort-error.js";
import { openAppFile } from "./file-io.js";

/** Bytes read at a time: the hashing worker gets a copy of each, so the main thread only reads. */
const READ_BYTES = 1024 * 1024;

/** A whole file's sha256, the bytes it was taken over (the file's size as read, to its end), and which file it was. */
export interface FileDigest {
  readonly sha256: Buffer;
  readonly bytes: number;
  /** The file hashed (device and inode): the path may name another by the time the hash ends. */
  readonly dev: number;
  readonly ino: number;
}

/**
 * sha256 of a whole file, read in order and hashed on the hashing worker. `signal` is checked
 * between reads: a large file (50 MB on a slow phone takes seconds) must not hold up a stop or
 * cancel; an abort throws the signal's typed error (abortedError).
 */
export async function fileSha256(hasher: Sha256Offload, path: string, expectedBytes: number, signal?: AbortSignal): Promise<Buffer> {
  return (await fileDigest(hasher, path, expectedBytes, signal)).sha256;
}

/**
 * fileSha256 with the number of bytes hashed: a digest that matches proves the content, and the
 * count is that content's true size, whatever a stat before or after said (the file may change).
 */
export async function fileDigest(hasher: Sha256Offload, path: string, expectedBytes: number, signal?: AbortSignal): Promise<FileDigest> {
  throwIfAborted(signal, `the hash of ${path}`);
  // Posts nothing to the worker until the first update: an open that fails below leaves nothing there (file-digest.test.ts).
  const running = hasher.running(expectedBytes);
  const handle = await openAppFile(path);
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let at = 0;
    for (;;) {
      throwIfAborted(signal, `the hash of ${path}`);
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, at);
      if (bytesRead === 0) break;
      // Awaited: the buffer is read into again only once the worker has taken these bytes.
      await running.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    const { dev, ino } = await handle.stat();
    return { sha256: await running.digest(), bytes: at, dev, ino };
  } catch (error) {
    running.dispose();
    throw error;
  } finally {
    await handle.close();
  }
}
