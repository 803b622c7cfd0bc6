import type { Sha256Offload } from "../crypto/index.js";
import { openAppFile } from "./file-io.js";

/** Bytes read at a time: the hashing worker gets a copy of each, so the main thread only reads. */
const READ_BYTES = 1024 * 1024;

/** sha256 of a whole file, read in order and hashed on the hashing worker. */
export async function fileSha256(hasher: Sha256Offload, path: string, expectedBytes: number): Promise<Buffer> {
  const running = hasher.running(expectedBytes);
  const handle = await openAppFile(path);
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    for (let at = 0; ; ) {
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
