/** The whole-file hash fed from pieces that finish in any order. */
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Sha256Offload } from "../../src/crypto/index.js";
import { OrderedHash } from "../../src/storage/ordered-hash.js";
import { seededBytes } from "../support/seeded-bytes.js";

describe("ordered whole-file hash", () => {
  test("pieces fed in any order hash to the sha256 of the file in index order, and each feed resolves only once its bytes are hashed", async () => {
    const offload = new Sha256Offload(1);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ size: fc.integer({ min: 0, max: 5000 }), delay: fc.integer({ min: 0, max: 4 }), seed: fc.integer() }), { minLength: 1, maxLength: 12 }),
          async (pieces) => {
            const bytes = pieces.map((p) => seededBytes(p.seed, p.size));
            const running = offload.running(Number.MAX_SAFE_INTEGER);
            const ordered = new OrderedHash(running);
            const signal = new AbortController().signal;
            await Promise.all(
              pieces.map(async (p, i) => {
                await sleep(p.delay);
                // A buffer the caller overwrites as soon as its feed resolved: the hash must be done with it by then.
                const slot = Buffer.from(bytes[i] as Buffer);
                await ordered.feed(i, slot, signal);
                slot.fill(0xff);
              }),
            );
            expect((await running.digest()).toString("hex")).toBe(createHash("sha256").update(Buffer.concat(bytes)).digest("hex"));
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await offload.close();
    }
  });

  test("a piece waiting for its turn gives up with E_ABORTED when its signal fires (the piece before it failed)", async () => {
    const ordered = new OrderedHash(new Sha256Offload().running(0));
    const controller = new AbortController();
    const waiting = ordered.feed(1, randomBytes(10), controller.signal);
    controller.abort(new Error("piece 0 failed"));
    await expect(waiting).rejects.toMatchObject({ code: "E_ABORTED" });
  });
});
