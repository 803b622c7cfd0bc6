import type { BufferPool } from "../../../src/storage/file-io.js";
import type { StorageClient } from "../../../src/storage/index.js";

/**
 * Bytes the client's buffer pool has lent: now and at most. Counted exactly by wrapping that pool's
 * take and give (every call goes to the real one).
 */
export function countLent(client: StorageClient): { now: number; peak: number } {
  const pool = (client as unknown as { ctx: { buffers: BufferPool } }).ctx.buffers;
  const lent = { now: 0, peak: 0 };
  const take = pool.take.bind(pool);
  const give = pool.give.bind(pool);
  pool.take = (size: number) => {
    lent.now += size;
    lent.peak = Math.max(lent.peak, lent.now);
    return take(size);
  };
  pool.give = (buffer: Buffer) => {
    lent.now -= buffer.byteLength;
    give(buffer);
  };
  return lent;
}
