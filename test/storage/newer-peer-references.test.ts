/**
 * References as a newer peer may write them, read by this build's releases through the whole
 * storage client: another chunk size, pieces cut differently (uneven, larger than this client's),
 * fields this release does not know at any depth. Each is fetched byte for byte (to a file and as
 * a stream) and journaled exactly as received, or refused with a typed error before anything is
 * downloaded; never misread.
 */
import { fc, test } from "@fast-check/vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { chunkCount, ciphertextSize, prepareParams, sealRange, sha256 } from "../../src/crypto/index.js";
import { createLocalBackend, StorageClient, type StorageBackend } from "../../src/storage/index.js";
import { encodeFileReference, type FileReference } from "../../src/wire/index.js";
import { seededBytes, seededParams } from "../support/seeded-bytes.js";
import { tempDir } from "../support/temp-dir.js";
import { brokenBytes } from "../wire/support/views.js";
import { FAST_RETRY, KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { randomFrom, variant } from "../wire/support/wire-variants.js";

/**
 * What a newer peer stores and sends: the file sealed in `chunkSize` chunks, the ciphertext cut
 * into pieces of `chunksPerPiece[i]` chunks (the last piece takes the rest), each stored.
 */
async function newerPeerShare(
  backend: StorageBackend,
  bytes: Buffer,
  seed: number,
  chunkSize: number,
  chunksPerPiece: readonly number[],
  version: number,
): Promise<FileReference> {
  const stream = seededParams(seed, chunkSize);
  const totalChunks = chunkCount(bytes.byteLength, chunkSize);
  const sealed = Buffer.alloc(ciphertextSize(bytes.byteLength, chunkSize));
  sealRange(prepareParams(stream), { firstChunk: 0, totalChunks }, bytes, sealed);
  const step = chunkSize + 16;
  const pieces: FileReference["pieces"] = [];
  let chunk = 0;
  for (let i = 0; chunk < totalChunks; i++) {
    const take = i < chunksPerPiece.length ? Math.min(chunksPerPiece[i] as number, totalChunks - chunk) : totalChunks - chunk;
    const start = chunk * step;
    const end = chunk + take === totalChunks ? sealed.byteLength : (chunk + take) * step;
    const piece = sealed.subarray(start, end);
    const cid = await backend.put(piece, { size: piece.byteLength });
    pieces.push({ cid, size: piece.byteLength, sha256: sha256(piece), ...(version >= 3 ? { index: i, offset: start } : {}) });
    chunk += take;
  }
  return {
    pieces,
    encryption: { scheme: "aes-256-gcm-stream", key: stream.key, noncePrefix: stream.noncePrefix, chunkSize },
    plaintextSize: bytes.byteLength,
    mime: "application/octet-stream",
    fileName: "from-a-newer-peer.bin",
    plaintextSha256: sha256(bytes),
    ...(version >= 3 ? { uploadedAt: 1_790_000_000, expiresAt: 1_792_592_000 } : {}),
  };
}

// Shared by every run of the property (a per-test temp dir would be gone after the first).
const dir = mkdtempSync(join(tmpdir(), "scc-newer-peer-"));
const store = createLocalBackend({ dir: join(dir, "store") });
const readers = new Map<number, StorageClient>();
const READERS = [2, 3] as const;

beforeAll(async () => {
  for (const protocol of READERS) {
    readers.set(
      protocol,
      await StorageClient.open({ protocol, backend: store, statePath: join(dir, `v${protocol}.sqlite`), dataDir: join(dir, `v${protocol}`), renewEveryMs: 0, retry: FAST_RETRY }),
    );
  }
}, 30_000);

afterAll(async () => {
  for (const client of readers.values()) await client.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function journaledReference(protocol: number, jobId: string): Buffer {
  const db = new Database(join(dir, `v${protocol}.sqlite`), { readonly: true });
  try {
    return db.prepare(`SELECT file_reference FROM download_jobs WHERE id = ?`).pluck().get(jobId) as Buffer;
  } finally {
    db.close();
  }
}

describe("references a newer peer writes, read through the storage client", () => {
  test.prop(
    [
      fc.constantFrom(...READERS),
      fc.constantFrom(2, 3),
      fc.integer({ min: 1, max: 300 * KiB }),
      fc.constantFrom(1 * KiB, 3 * KiB + 7, 16 * KiB, 64 * KiB, 256 * KiB),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.boolean(),
      fc.boolean(),
    ],
    { numRuns: 60 },
  )(
    "any chunk size, any cut into pieces, unknown fields anywhere: the file comes back whole, and the journal keeps the reference as received",
    async (reader, written, size, chunkSize, cuts, seed, stream, hinted) => {
      const bytes = seededBytes(seed, size);
      const view = await newerPeerShare(store, bytes, seed, chunkSize, cuts, written);
      // Fields of later versions at every depth, fields reordered: what protobuf lets a newer writer do.
      const reference = variant("FileReference", encodeFileReference(view, written), randomFrom(seed));
      const client = readers.get(reader) as StorageClient;
      // With the envelope's version, or bare bytes (which say nothing of their writer).
      const input = hinted ? { bytes: reference, writtenWith: written } : reference;
      if (stream) {
        const parts: Buffer[] = [];
        for await (const part of client.fetchStream(input)) parts.push(part);
        expect(Buffer.concat(parts).equals(bytes)).toBe(true);
      } else {
        const out = join(dir, "out", `${seed}-${reader}.bin`);
        const job = client.fetch(input, { out });
        await job.done;
        expect(readFileSync(out).equals(bytes)).toBe(true);
        expect(journaledReference(reader, job.id).equals(Buffer.from(reference))).toBe(true);
      }
    },
  );
});

describe("references a newer peer writes that this release does not take", () => {
  // Each change is made to the protobuf object, past the writer's checks (a newer writer has other rules).
  const refusals: [string, (pb: Record<string, any>) => void, RegExp][] = [
    ["a piece larger than this client agrees to hold", () => undefined, /over the 65536-byte piece limit/],
    ["an encryption scheme this release does not know", (pb) => (pb.encryption.scheme = 2), /encryption\.scheme/],
  ];
  for (const [what, change, message] of refusals) {
    test(`${what}: E_BAD_REFERENCE at fetch and at fetchStream, nothing downloaded`, async () => {
      const backend = new InstrumentedBackend(localStore(join(tempDir("scc-newer-refused-"), "store")));
      const bytes = seededBytes(7, 200 * KiB);
      const view = await newerPeerShare(backend, bytes, 7, 64 * KiB, [2, 2], 3);
      const reference = brokenBytes("file-reference", view, 3, change);
      for (const protocol of READERS) {
        const { client } = await startClient({ protocol, backend, maxPieceBytes: 64 * KiB });
        const gets = backend.gets;
        expect(() => client.fetch(reference, { out: join(tempDir(), "x.bin") })).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE", message: expect.stringMatching(message) }));
        expect(() => client.fetchStream(reference)).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
        expect(backend.gets).toBe(gets);
        expect(client.jobs()).toEqual([]);
      }
    });
  }
});
