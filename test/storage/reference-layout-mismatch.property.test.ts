/**
 * The reader's side: a reference whose sizes or pieces disagree with the ciphertext its pieces hold
 * (sealed here with the reference's own key, as a sender or anyone holding the reference can) must
 * fail with a typed error and leave no output file, whatever the sizes and boundaries: a cut at a
 * piece or a chunk boundary, a final flag on a middle chunk, an extra empty final chunk, another
 * chunk size, piece boundaries inside chunks. fast-check prints the seed of a failing run.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect, test } from "vitest";
import { chunkCount, prepareParams, sealRange, sealedChunkSize } from "../../src/crypto/index.js";
import { StorageError } from "../../src/storage/index.js";
import { encodeFileReference, type FileReference } from "../../src/wire/index.js";
import { seededBytes, seededParams } from "../support/seeded-bytes.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient } from "./support/client-fixture.js";

const CHUNK = 1024;
const MUTATIONS = ["cut-at-piece", "cut-at-chunk", "final-mid-chunk", "extra-empty-final", "other-chunk-size", "piece-inside-chunk"] as const;

/** Seals chunks [first, first + count) of `plain` as chunks of a stream of `total` chunks. */
function seal(params: ReturnType<typeof prepareParams>, plain: Buffer, first: number, count: number, total: number): Buffer {
  const part = plain.subarray(first * CHUNK, Math.min((first + count) * CHUNK, plain.byteLength));
  const out = Buffer.alloc(Math.max(count, 1) * sealedChunkSize(CHUNK));
  return out.subarray(0, sealRange(params, { firstChunk: first, totalChunks: total }, part, out));
}

/** Splits `bytes` at `cuts` (offsets). */
function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < bytes.byteLength).sort((a, b) => a - b), bytes.byteLength];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i] as number, end)).filter((p) => p.byteLength > 0);
}

test("a reference whose sizes, flags or piece boundaries disagree with its ciphertext: a typed error and no output file", async () => {
  const dir = tempDir("scc-layout-mismatch-");
  const backend = localStore(join(dir, "store"));
  const { client } = await startClient({ dir, backend, chunkSize: CHUNK, pieceSize: 4 * CHUNK });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 12 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(...MUTATIONS),
      fc.nat(),
      async (chunks, aligned, perPiece, mutation, seed) => {
        // `chunks` chunks of plaintext, the last one full or short.
        const size = aligned || mutation === "extra-empty-final" ? chunks * CHUNK : (chunks - 1) * CHUNK + 1 + (seed % (CHUNK - 1));
        const plain = seededBytes(seed, size);
        const params = seededParams(seed, CHUNK);
        const prepared = prepareParams(params);
        const total = chunkCount(size, CHUNK);
        const honest = (): Buffer[] => {
          const pieces: Buffer[] = [];
          for (let first = 0; first < total; first += perPiece) pieces.push(seal(prepared, plain, first, Math.min(perPiece, total - first), total));
          return pieces;
        };
        let pieces: Buffer[];
        let plaintextSize = size;
        let chunkSize = CHUNK;
        switch (mutation) {
          case "cut-at-piece": {
            // The last piece dropped, the size lowered to what the rest holds: their last chunk has no final flag.
            const all = honest();
            pieces = all.slice(0, Math.max(1, all.length - 1));
            if (pieces.length === all.length) pieces = [seal(prepared, plain, 0, Math.min(perPiece, total - 1), total)];
            plaintextSize = pieces.reduce((n, p) => n + p.byteLength - (p.byteLength / sealedChunkSize(CHUNK)) * 16, 0);
            break;
          }
          case "cut-at-chunk": {
            // Cut after chunk k (inside a piece or at its end), the size lowered to match.
            const k = 1 + (seed % (total - 1));
            pieces = splitAt(Buffer.concat(honest()).subarray(0, k * sealedChunkSize(CHUNK)), [perPiece * sealedChunkSize(CHUNK)]);
            plaintextSize = k * CHUNK;
            break;
          }
          case "final-mid-chunk": {
            // Chunk k-1 sealed as the final one, the chunks after it as they belong.
            const k = 1 + (seed % (total - 1));
            pieces = [seal(prepared, plain, 0, k, k), seal(prepared, plain, k, total - k, total)];
            break;
          }
          case "extra-empty-final": {
            // Every plaintext chunk sealed as a middle one, then one empty chunk with the final flag.
            pieces = [seal(prepared, plain, 0, total, total + 1), seal(prepared, Buffer.alloc(0), total, 1, total + 1)];
            if (seed % 2 === 0) pieces = [Buffer.concat(pieces)];
            break;
          }
          case "other-chunk-size":
            pieces = honest();
            chunkSize = seed % 2 === 0 ? CHUNK * 2 : CHUNK + 16;
            break;
          case "piece-inside-chunk": {
            // The honest ciphertext, cut into pieces at offsets that are no chunk boundary.
            const whole = Buffer.concat(honest());
            const step = sealedChunkSize(CHUNK);
            const cuts = [1 + (seed % (step - 1)), step + 1 + ((seed >>> 8) % (step - 1))];
            pieces = splitAt(whole, cuts);
            break;
          }
        }
        const stored = [];
        for (const bytes of pieces) {
          const cid = await backend.put(bytes, { size: bytes.byteLength });
          stored.push({ cid, size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest() });
        }
        const view: FileReference = {
          pieces: stored,
          encryption: { scheme: "aes-256-gcm-stream", key: params.key, noncePrefix: params.noncePrefix, chunkSize },
          plaintextSize,
          mime: "application/octet-stream",
          fileName: "file.bin",
          plaintextSha256: createHash("sha256").update(plain.subarray(0, plaintextSize)).digest(),
        };
        const outDir = join(dir, `out-${run++}`);
        const out = join(outDir, "file.bin");
        // Refused when fetch() is called (the reference checked up front) or by the job: either way typed.
        let error: unknown;
        try {
          await client.fetch(encodeFileReference(view, 3), { out }).done;
        } catch (e) {
          error = e;
        }
        expect(error, `${mutation}: the fetch succeeded`).toBeInstanceOf(StorageError);
        expect(["E_INTEGRITY", "E_BAD_REFERENCE"]).toContain((error as StorageError).code);
        expect(existsSync(out)).toBe(false);
        expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
      },
    ),
    { numRuns: 30 },
  );
});
