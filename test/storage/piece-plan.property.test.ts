/**
 * The sender's piece plan and the receiver's plan of the reference must agree for every size around
 * chunk and piece boundaries (an empty file, one byte, a chunk, a piece, one past them), and every
 * piece must seal and open on its own into exactly its plaintext.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { openRange, prepareParams, sealRange } from "../../src/crypto/index.js";
import { planOfReference, planPieces } from "../../src/storage/piece-plan.js";
import type { FileReference } from "../../src/wire/index.js";
import { seededBytes, seededParams } from "../support/seeded-bytes.js";

/** A reference as the receiver sees it: only sizes matter to the plan. */
function referenceOf(plaintextSize: number, chunkSize: number, sizes: number[]): FileReference {
  return {
    pieces: sizes.map((size) => ({ cid: "zQm", size, sha256: new Uint8Array(32) })),
    encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32), noncePrefix: new Uint8Array(7), chunkSize },
    plaintextSize,
    plaintextSha256: new Uint8Array(32),
  } as unknown as FileReference;
}

const near = (k: number): fc.Arbitrary<number> => fc.integer({ min: Math.max(0, k - 1), max: k + 1 });

describe("piece plans around chunk and piece boundaries", () => {
  test("the receiver's plan of a sender's pieces is the sender's plan, and each piece seals and opens alone into its bytes", () => {
    const arb = fc
      .record({ chunkSize: fc.integer({ min: 1, max: 48 }), chunksPerPiece: fc.integer({ min: 1, max: 5 }), pieces: fc.integer({ min: 0, max: 4 }), chunks: fc.integer({ min: 0, max: 4 }) })
      .chain(({ chunkSize, chunksPerPiece, pieces, chunks }) =>
        fc.record({
          chunkSize: fc.constant(chunkSize),
          pieceSize: fc.constant(chunkSize * chunksPerPiece),
          // Sizes just around a piece boundary plus some chunks: 0, 1, C-1, C, C+1, P-1, P, P+1, ...
          plaintextSize: near(pieces * chunkSize * chunksPerPiece + chunks * chunkSize),
        }),
      );
    fc.assert(
      fc.property(arb, fc.nat(), ({ chunkSize, pieceSize, plaintextSize }, bytesSeed) => {
        const sender = planPieces(plaintextSize, chunkSize, pieceSize);
        const receiver = planOfReference(
          referenceOf(plaintextSize, chunkSize, sender.pieces.map((p) => p.sealedSize)),
          sender.maxSealedSize,
        );
        expect(receiver).toEqual(sender);
        expect(sender.pieces.reduce((n, p) => n + p.plainSize, 0)).toBe(plaintextSize);
        const params = prepareParams(seededParams(bytesSeed, chunkSize));
        const plain = seededBytes(bytesSeed, plaintextSize);
        for (const span of sender.pieces) {
          const layout = { firstChunk: span.firstChunk, totalChunks: sender.totalChunks };
          const sealed = Buffer.alloc(span.sealedSize);
          expect(sealRange(params, layout, plain.subarray(span.plainOffset, span.plainOffset + span.plainSize), sealed)).toBe(span.sealedSize);
          const out = Buffer.alloc(span.plainSize);
          expect(openRange(params, layout, sealed, out)).toBe(span.plainSize);
          expect(out.equals(plain.subarray(span.plainOffset, span.plainOffset + span.plainSize))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
