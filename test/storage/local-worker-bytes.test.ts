/**
 * The local store hashes a put's buffer (and, checking a get, the buffer the caller lent) on the
 * process's hashing worker. A typed array posted to a worker is cloned with its whole backing
 * buffer: a 1 MiB slice of a 64 MiB file the application read into memory sent 64 MiB to the
 * worker for every put (a 256 MiB one took a second per digest here), so storing a large file
 * slice by slice copied it once per slice. What crosses to the worker is observed at
 * Worker.prototype.postMessage; the real worker still hashes it.
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

const MiB = 1024 * 1024;

/** The largest backing buffer of bytes posted to a worker while `run` ran (0 for none); shared memory is not copied and counts 0. */
async function largestPosted(run: () => Promise<void>): Promise<number> {
  let largest = 0;
  const post = Worker.prototype.postMessage;
  const spy = vi.spyOn(Worker.prototype, "postMessage").mockImplementation(function (this: Worker, message: unknown, ...rest: unknown[]) {
    const bytes = (message as { bytes?: unknown } | null)?.bytes;
    if (bytes instanceof Uint8Array && !(bytes.buffer instanceof SharedArrayBuffer)) largest = Math.max(largest, bytes.buffer.byteLength);
    return (post as (...a: unknown[]) => void).call(this, message, ...rest);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return largest;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("local store: what reaches the hashing worker", () => {
  test("a put of a 1 MiB slice of a 64 MiB buffer, and a get into a 64 MiB lent buffer, send the worker no more than the block's bytes; the block reads back right", async () => {
    const store = createLocalBackend({ dir: tempDir("scc-local-worker-bytes-") });
    const file = randomBytes(64 * MiB);
    const slice = file.subarray(5 * MiB, 6 * MiB);
    let cid = "";
    const putPosted = await largestPosted(async () => {
      cid = await store.put(slice);
    });
    expect(putPosted).toBeLessThanOrEqual(MiB);
    const lent = Buffer.alloc(64 * MiB);
    let read = Buffer.alloc(0);
    const getPosted = await largestPosted(async () => {
      const parts: Buffer[] = [];
      for await (const chunk of (await store.get(cid, { into: lent })).body) parts.push(Buffer.from(chunk));
      read = Buffer.concat(parts);
    });
    expect(getPosted).toBeLessThanOrEqual(MiB);
    expect(read.equals(slice)).toBe(true);
    await store.close();
  });
});
