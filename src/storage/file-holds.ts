import type { FileHandle } from "node:fs/promises";
import { openAppFile, readAt } from "./file-io.js";

/** `then` run on the open file when it holds exactly `bytes` (read a slice at a time); undefined when it does not or cannot be read. */
export async function whenFileHolds<T>(path: string, bytes: Uint8Array, then: (handle: FileHandle) => Promise<T>): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await openAppFile(path);
  } catch {
    return undefined;
  }
  try {
    const slice = Buffer.allocUnsafe(Math.min(COMPARE_SLICE_BYTES, Math.max(1, bytes.byteLength)));
    for (let offset = 0; ; ) {
      const { bytesRead } = await handle.read(slice, 0, slice.byteLength, offset);
      if (bytesRead === 0) return offset === bytes.byteLength ? await then(handle) : undefined;
      if (offset + bytesRead > bytes.byteLength || !slice.subarray(0, bytesRead).equals(bytes.subarray(offset, offset + bytesRead))) return undefined;
      offset += bytesRead;
    }
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

const COMPARE_SLICE_BYTES = 1024 * 1024;

/** Whether the files at `a` and `b` hold the same bytes, read a slice of each at a time; false when either cannot be read. */
export async function filesMatch(a: string, b: string): Promise<boolean> {
  let first: FileHandle | undefined;
  let second: FileHandle | undefined;
  try {
    first = await openAppFile(a);
    second = await openAppFile(b);
    const left = Buffer.allocUnsafe(COMPARE_SLICE_BYTES);
    const right = Buffer.allocUnsafe(COMPARE_SLICE_BYTES);
    for (let offset = 0; ; ) {
      const [l, r] = await Promise.all([readAt(first, left, offset), readAt(second, right, offset)]);
      if (l !== r || !left.subarray(0, l).equals(right.subarray(0, r))) return false;
      if (l === 0) return true;
      offset += l;
    }
  } catch {
    return false;
  } finally {
    await first?.close();
    await second?.close();
  }
}
