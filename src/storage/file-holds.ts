import type { FileHandle } from "node:fs/promises";
import { openAppFile } from "./file-io.js";

/** Whether the file at `path` holds exactly `bytes`, read a slice at a time; false when it cannot be read. */
export async function fileHolds(path: string, bytes: Uint8Array): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await openAppFile(path);
  } catch {
    return false;
  }
  try {
    const slice = Buffer.allocUnsafe(Math.min(COMPARE_SLICE_BYTES, Math.max(1, bytes.byteLength)));
    for (let offset = 0; ; ) {
      const { bytesRead } = await handle.read(slice, 0, slice.byteLength, offset);
      if (bytesRead === 0) return offset === bytes.byteLength;
      if (offset + bytesRead > bytes.byteLength || !slice.subarray(0, bytesRead).equals(bytes.subarray(offset, offset + bytesRead))) return false;
      offset += bytesRead;
    }
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

const COMPARE_SLICE_BYTES = 1024 * 1024;
