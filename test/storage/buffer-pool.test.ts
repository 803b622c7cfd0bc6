/**
 * The piece buffer pool keeps freed buffers for the next transfer of the same size. Every small
 * file has pieces of its own size (its whole length), so a burst of them (a chat's history of
 * photos arriving back to back, never a second apart) must not keep every one of them.
 */
import { describe, expect, test } from "vitest";
import { BufferPool } from "../../src/storage/file-io.js";

describe("BufferPool", () => {
  test("freed buffers of sizes no transfer asks for again stay bounded during a burst of transfers, whatever their number", () => {
    const pool = new BufferPool();
    try {
      // 300 transfers one after the other, each with two buffers of its own size (~100 KiB).
      let largest = 0;
      for (let i = 0; i < 300; i++) {
        const size = 100_000 + i * 16;
        largest = Math.max(largest, size);
        const a = pool.take(size);
        const b = pool.take(size);
        pool.give(a);
        pool.give(b);
      }
      expect(pool.lent).toBe(0);
      // What one transfer held at once is worth keeping; 300 transfers' worth (60 MB) is not.
      expect(pool.freeBytes).toBeLessThanOrEqual(2 * largest);
    } finally {
      pool.close();
    }
  });

  test("transfers of one size back to back reuse the same buffers", () => {
    const pool = new BufferPool();
    try {
      const first = [pool.take(4096), pool.take(4096), pool.take(4096)];
      for (const b of first) pool.give(b);
      const second = [pool.take(4096), pool.take(4096), pool.take(4096)];
      expect(new Set([...first, ...second]).size).toBe(3);
      for (const b of second) pool.give(b);
      expect(pool.freeBytes).toBe(3 * 4096);
    } finally {
      pool.close();
    }
  });
});
