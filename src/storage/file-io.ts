import type { FileHandle } from "node:fs/promises";
import { abortedError } from "./abort-error.js";

/**
 * Reads exactly `into.byteLength` bytes at `position`; returns how many it got (fewer only at end
 * of file). Positional, so pieces read independently of each other.
 */
export async function readAt(handle: FileHandle, into: Uint8Array, position: number, signal?: AbortSignal): Promise<number> {
  let got = 0;
  while (got < into.byteLength) {
    if (signal?.aborted === true) throw abortedError(signal.reason, "reading a file");
    const { bytesRead } = await handle.read(into, got, into.byteLength - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Writes all of `bytes` at `position` (a short write is continued, not lost). */
export async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at, position + at);
    at += bytesWritten;
  }
}

/** One reusable buffer per window slot, allocated on first use at the size the job needs. */
export class SlotBuffers {
  private readonly buffers: (Buffer | undefined)[];

  constructor(
    slots: number,
    private readonly size: number,
  ) {
    this.buffers = new Array<Buffer | undefined>(slots);
  }

  get(slot: number): Buffer {
    let buffer = this.buffers[slot];
    if (buffer === undefined) {
      buffer = Buffer.allocUnsafe(this.size);
      this.buffers[slot] = buffer;
    }
    return buffer;
  }
}
