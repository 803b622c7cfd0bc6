/** writeAllAt: parts written back to back at a position, short writes continued. */
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { writeAllAt } from "../../src/storage/file-io.js";
import { tempDir } from "../support/temp-dir.js";

/** A file in memory whose writev takes at most `most` bytes per call (a short write), like a pipe or a full disk would. */
function shortWriting(most: number): { handle: FileHandle; bytes: () => Buffer; calls: () => number } {
  let file = Buffer.alloc(0);
  let calls = 0;
  const handle = {
    writev: async (buffers: Uint8Array[], position: number) => {
      calls++;
      let taken = 0;
      for (const b of buffers) {
        const take = Math.min(b.byteLength, most - taken);
        if (take <= 0) break;
        const end = position + taken + take;
        if (end > file.byteLength) file = Buffer.concat([file, Buffer.alloc(end - file.byteLength)]);
        file.set(b.subarray(0, take), position + taken);
        taken += take;
      }
      return { bytesWritten: taken, buffers };
    },
  } as unknown as FileHandle;
  return { handle, bytes: () => file, calls: () => calls };
}

describe("writeAllAt", () => {
  test("whatever the short writes, the parts land back to back from the position, empty parts included", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 20 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 50 }), async (sizes, most, position) => {
        const parts = sizes.map((n) => randomBytes(n));
        const file = shortWriting(most);
        await writeAllAt(file.handle, parts, position);
        const whole = Buffer.concat(parts);
        expect(file.bytes().subarray(position, position + whole.byteLength).equals(whole)).toBe(true);
        expect(file.bytes().byteLength).toBe(whole.byteLength === 0 ? 0 : position + whole.byteLength);
      }),
      { numRuns: 100 },
    );
  });

  test("a file that takes nothing is an I/O error, not an endless loop", async () => {
    await expect(writeAllAt(shortWriting(0).handle, [randomBytes(10)], 0)).rejects.toMatchObject({ code: "EIO" });
  });

  test("on a real file: 64 parts in one call at an offset", async () => {
    const path = join(tempDir(), "f");
    const parts = Array.from({ length: 64 }, () => randomBytes(1000));
    const handle = await open(path, "w");
    try {
      await writeAllAt(handle, parts, 5);
    } finally {
      await handle.close();
    }
    const got = await readFile(path);
    expect(got.subarray(5).equals(Buffer.concat(parts))).toBe(true);
  });
});
