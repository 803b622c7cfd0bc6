import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  CryptoError,
  chunkCount,
  ciphertextSize,
  encryptStream,
  newStreamParams,
  openRange,
  prepareParams,
  sealRange,
  sealedChunkSize,
} from "../../src/crypto/index.js";
import { seededBytes, seededParams } from "../support/seeded-bytes.js";

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function streamSeal(plain: Uint8Array, params: ReturnType<typeof newStreamParams>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of encryptStream(once(plain), params)) parts.push(p);
  return Buffer.concat(parts);
}

/** Seals a file piece by piece, `chunksPerPiece` chunks each, as the upload pipeline does. */
function sealInPieces(plain: Buffer, params: ReturnType<typeof newStreamParams>, chunksPerPiece: number): Buffer[] {
  const prepared = prepareParams(params);
  const total = chunkCount(plain.byteLength, params.chunkSize);
  const pieces: Buffer[] = [];
  for (let first = 0; first < total; first += chunksPerPiece) {
    const part = plain.subarray(first * params.chunkSize, Math.min((first + chunksPerPiece) * params.chunkSize, plain.byteLength));
    const out = Buffer.alloc(chunksPerPiece * sealedChunkSize(params.chunkSize));
    const n = sealRange(prepared, { firstChunk: first, totalChunks: total }, part, out);
    pieces.push(out.subarray(0, n));
  }
  return pieces;
}

describe("piece-wise sealing and opening", () => {
  test("sealing piece by piece gives exactly the bytes of the streaming encryption, for any size and piece length", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 9000 }), fc.constantFrom(16, 64, 1000), fc.integer({ min: 1, max: 7 }), fc.nat(), async (size, chunkSize, perPiece, bytesSeed) => {
        const params = seededParams(bytesSeed, chunkSize);
        const plain = seededBytes(bytesSeed, size);
        const pieces = sealInPieces(plain, params, perPiece);
        const whole = Buffer.concat(pieces);
        expect(whole.equals(await streamSeal(plain, params))).toBe(true);
        expect(whole.byteLength).toBe(ciphertextSize(size, chunkSize));
      }),
      { numRuns: 60 },
    );
  });

  test("each piece opens on its own and in any order, and together they give the plaintext back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (size, perPiece, seed) => {
        const params = seededParams(seed, 100);
        const prepared = prepareParams(params);
        const plain = seededBytes(seed, size);
        const pieces = sealInPieces(plain, params, perPiece);
        const total = chunkCount(size, 100);
        const out = Buffer.alloc(size);
        const order = pieces.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        for (const i of order) {
          const buf = Buffer.alloc(perPiece * 100);
          const n = openRange(prepared, { firstChunk: i * perPiece, totalChunks: total }, pieces[i] as Buffer, buf);
          buf.copy(out, i * perPiece * 100, 0, n);
        }
        expect(out.equals(plain)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test("a piece opened at another position, or a non-final piece passed off as final, fails authentication", () => {
    const params = newStreamParams(64);
    const prepared = prepareParams(params);
    const pieces = sealInPieces(randomBytes(64 * 9), params, 3);
    const out = Buffer.alloc(1024);
    expect(() => openRange(prepared, { firstChunk: 3, totalChunks: 9 }, pieces[0] as Buffer, out)).toThrow(expect.objectContaining({ code: "E_CRYPTO_AUTH_FAILED" }));
    // Dropping the last piece and claiming the file ended earlier: the new "final" chunk was sealed as non-final.
    expect(() => openRange(prepared, { firstChunk: 3, totalChunks: 6 }, pieces[1] as Buffer, out)).toThrow(expect.objectContaining({ code: "E_CRYPTO_AUTH_FAILED" }));
  });

  test("a piece cut inside a chunk is truncation, and a range past the stream's end is refused", () => {
    const params = newStreamParams(64);
    const prepared = prepareParams(params);
    const pieces = sealInPieces(randomBytes(64 * 9), params, 3);
    const out = Buffer.alloc(1024);
    const piece = pieces[1] as Buffer;
    expect(() => openRange(prepared, { firstChunk: 3, totalChunks: 9 }, piece.subarray(0, piece.byteLength - 30), out)).toThrow(CryptoError);
    expect(() => openRange(prepared, { firstChunk: 3, totalChunks: 9 }, piece.subarray(0, 10), out)).toThrow(expect.objectContaining({ code: "E_CRYPTO_TRUNCATED" }));
    expect(() => openRange(prepared, { firstChunk: 8, totalChunks: 9 }, piece, out)).toThrow(expect.objectContaining({ code: "E_CRYPTO_TRUNCATED" }));
  });

  test("sealRange refuses a short tail that is not the end of the file and a too small output buffer", () => {
    const prepared = prepareParams(newStreamParams(64));
    expect(() => sealRange(prepared, { firstChunk: 0, totalChunks: 5 }, randomBytes(100), Buffer.alloc(1000))).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
    expect(() => sealRange(prepared, { firstChunk: 0, totalChunks: 5 }, new Uint8Array(0), Buffer.alloc(1000))).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
    expect(() => sealRange(prepared, { firstChunk: 0, totalChunks: 5 }, randomBytes(128), Buffer.alloc(100))).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
  });

  test("openRange refuses a too small output buffer before it writes any plaintext to it", () => {
    const params = newStreamParams(64);
    const prepared = prepareParams(params);
    const [piece] = sealInPieces(randomBytes(64 * 3), params, 3);
    // Room for the first chunk's plaintext, not for the three.
    const out = Buffer.alloc(100);
    expect(() => openRange(prepared, { firstChunk: 0, totalChunks: 3 }, piece as Buffer, out)).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
    expect(out.equals(Buffer.alloc(100))).toBe(true);
  });

  test("a layout outside the 4-byte counter, or not in whole numbers, is E_CRYPTO_BAD_PARAMS for sealing and opening", () => {
    const params = newStreamParams(64);
    const prepared = prepareParams(params);
    const [piece] = sealInPieces(randomBytes(64 * 3), params, 3);
    for (const layout of [
      { firstChunk: 0, totalChunks: Number.NaN },
      { firstChunk: 0, totalChunks: 3.5 },
      { firstChunk: 0, totalChunks: 0 },
      { firstChunk: 2 ** 32 - 1, totalChunks: 2 ** 33 },
      { firstChunk: -1, totalChunks: 3 },
    ]) {
      const what = JSON.stringify(layout);
      expect(() => openRange(prepared, layout, piece as Buffer, Buffer.alloc(1024)), what).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
      expect(() => sealRange(prepared, layout, randomBytes(64), Buffer.alloc(1024)), what).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
    }
  });

  test("chunkCount and ciphertextSize refuse sizes that are not whole, non-negative numbers, and chunk sizes out of range", () => {
    for (const [plaintextSize, chunkSize] of [
      [-5, 64],
      [Number.NaN, 64],
      [1.5, 64],
      [Number.POSITIVE_INFINITY, 64],
      [100, -1],
      [100, 0],
      [100, 2.5],
      [100, 4 * 1024 * 1024 + 1],
    ] as const) {
      const what = `${plaintextSize} in ${chunkSize}`;
      expect(() => chunkCount(plaintextSize, chunkSize), what).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
      expect(() => ciphertextSize(plaintextSize, chunkSize), what).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
    }
    // A file of exactly 2^32 chunks numbers them all; one byte more would wrap the counter.
    expect(chunkCount(2 ** 32 * 16, 16)).toBe(2 ** 32);
    expect(() => chunkCount(2 ** 32 * 16 + 1, 16)).toThrow(expect.objectContaining({ code: "E_CRYPTO_BAD_PARAMS" }));
  });
});
