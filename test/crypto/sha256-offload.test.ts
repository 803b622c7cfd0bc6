import { createHash, randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Sha256Offload } from "../../src/crypto/index.js";
import { seededBytes } from "../support/seeded-bytes.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const local = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function shared(bytes: Uint8Array): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(bytes.byteLength));
  out.set(bytes);
  return out;
}

describe("sha256 on a worker thread", () => {
  test("one-shot digests equal node:crypto's for any size, in shared or ordinary memory, and for views into larger buffers", async () => {
    const offload = new Sha256Offload(1024);
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 100 }), fc.boolean(), fc.integer(), async (size, skip, inShared, seed) => {
          const base = seededBytes(seed, size + skip);
          const bytes = (inShared ? shared(base) : base).subarray(skip);
          expect(hex(await offload.digest(bytes))).toBe(local(bytes));
        }),
        { numRuns: 40 },
      );
    } finally {
      await offload.close();
    }
  });

  test("a running hash fed in pieces equals the hash of the whole, with many running at once", async () => {
    const offload = new Sha256Offload(1024);
    try {
      const files = Array.from({ length: 4 }, () => randomBytes(700_000));
      const running = files.map((f) => offload.running(f.byteLength));
      for (let at = 0; at < 700_000; at += 100_000) {
        await Promise.all(running.map((r, i) => r.update(shared((files[i] as Buffer).subarray(at, at + 100_000)))));
      }
      const digests = await Promise.all(running.map((r) => r.digest()));
      expect(digests.map(hex)).toEqual(files.map(local));
    } finally {
      await offload.close();
    }
  });

  test("digests pending when it closes are computed in place; after close everything is hashed in place", async () => {
    const offload = new Sha256Offload(1024);
    const bytes = shared(randomBytes(4 * 1024 * 1024));
    const pending = Array.from({ length: 8 }, () => offload.digest(bytes));
    await offload.close();
    expect((await Promise.all(pending)).map(hex)).toEqual(Array(8).fill(local(bytes)));
    expect(hex(await offload.digest(bytes))).toBe(local(bytes));
    const r = offload.running(10_000_000);
    await r.update(bytes);
    expect(hex(await r.digest())).toBe(local(bytes));
  });
});
