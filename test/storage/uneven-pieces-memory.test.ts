/**
 * A received reference chooses its piece sizes: any split of the ciphertext into whole sealed
 * chunks (the last piece excepted) up to maxPieceBytes. One large piece among small ones (a 48 MiB
 * piece and a few of one chunk) made every slot of the download window a buffer of the largest
 * piece's size, so a 50 MiB file reserved and lent four times its size. What a download or a stream
 * lends is bounded by the pieces each slot of its window holds: never more than the file. The bytes
 * the client's buffer pool lends are counted by wrapping that pool's take and give (every call goes
 * to the real one).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { OPEN_STEP_BYTES } from "../../src/storage/download/open-steps.js";
import type { StorageBackend } from "../../src/storage/index.js";
import { downloadMemoryBytes, streamMemoryBytes } from "../../src/storage/transfer-memory.js";
import { encodeFileReference, type FileReference } from "../../src/wire/index.js";
import { KiB, MiB, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { countLent } from "./support/lent-bytes.js";

const CHUNK = 64 * KiB;
const SEALED_CHUNK = CHUNK + 16;

async function readAll(backend: StorageBackend, cid: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of (await backend.get(cid)).body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/**
 * The file shared in one-chunk pieces, then its ciphertext cut again as a hostile sender cuts it:
 * `bigChunks` chunks in the first piece, one chunk in each of the others. Chunk nonces number the
 * chunks across the file, so any such cut is a valid reference to the same bytes.
 */
async function unevenReference(chunks: number, bigChunks: number) {
  const sender = await startClient({ chunkSize: CHUNK, pieceSize: CHUNK });
  const { path, bytes } = writeRandomFile(sender.dir, "file.bin", chunks * CHUNK);
  const shared = await sender.client.share({ path }).done;
  expect(shared.view.pieces).toHaveLength(chunks);
  const sealed = Buffer.concat(await Promise.all(shared.view.pieces.map((p) => readAll(sender.backend, p.cid))));
  const cuts = [bigChunks, ...Array.from({ length: chunks - bigChunks }, () => 1)];
  const pieces: FileReference["pieces"] = [];
  let offset = 0;
  for (const [index, count] of cuts.entries()) {
    const body = sealed.subarray(offset, offset + count * SEALED_CHUNK);
    pieces.push({ cid: await sender.backend.put(Uint8Array.from(body)), size: body.byteLength, sha256: sha256(body), index, offset });
    offset += body.byteLength;
  }
  const view: FileReference = { ...shared.view, pieces };
  return { sender, bytes, view, reference: encodeFileReference(view, 3), sealedSize: sealed.byteLength };
}

/** A 50 MiB file as such a sender cuts it: 797 chunks in one piece, then three of one chunk. */
function fiftyMiBView(): FileReference {
  const big = 797 * SEALED_CHUNK;
  const sizes = [big, SEALED_CHUNK, SEALED_CHUNK, SEALED_CHUNK];
  let offset = 0;
  const pieces = sizes.map((size, index) => {
    const piece = { cid: `zb2rh${"a".repeat(44)}`, size, sha256: new Uint8Array(32), index, offset };
    offset += size;
    return piece;
  });
  return {
    pieces,
    encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32), noncePrefix: new Uint8Array(7), chunkSize: CHUNK },
    plaintextSize: 800 * CHUNK,
    plaintextSha256: new Uint8Array(32),
    mime: "",
    fileName: "video.mp4",
  } as FileReference;
}

describe("a reference of one large piece among small ones", () => {
  test("the transfer memory a download or a stream reserves is at most the file (and a step per slot), not a largest piece per slot", () => {
    const view = fiftyMiBView();
    const sealed = 800 * SEALED_CHUNK;
    // 4 slots of the 50 MiB piece's size were 216 MiB before (light mode's 128 MiB budget: it ran alone).
    expect(downloadMemoryBytes(view, 64 * MiB, 4)).toBeLessThanOrEqual(sealed + 4 * OPEN_STEP_BYTES);
    expect(streamMemoryBytes(view, 64 * MiB, 4)).toBeLessThanOrEqual(sealed);
    expect(streamMemoryBytes(view, 64 * MiB, 3)).toBeLessThanOrEqual(sealed);
  });

  test("a download lends at most the file's ciphertext and a step per slot, and the file comes back whole", async () => {
    const { sender, bytes, reference, sealedSize } = await unevenReference(36, 32);
    const { client, dir } = await startClient({ backend: sender.backend, piecesInFlight: 4 });
    const lent = countLent(client);
    const out = join(dir, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
    // Before: 4 sealed slots and 4 plaintext slots of the 32-chunk piece's size, 16 MiB for a 2.25 MiB file.
    expect(lent.peak).toBeLessThanOrEqual(sealedSize + 32 * CHUNK + 3 * CHUNK);
    expect(lent.now).toBe(0);
  });

  test("a stream lends at most the file's ciphertext, and hands out the whole file", async () => {
    const { sender, bytes, reference, sealedSize } = await unevenReference(36, 32);
    const { client } = await startClient({ backend: sender.backend, piecesInFlight: 4 });
    const lent = countLent(client);
    const parts: Buffer[] = [];
    for await (const part of client.fetchStream(reference)) parts.push(part);
    expect(sha256Hex(Buffer.concat(parts))).toBe(sha256Hex(bytes));
    expect(lent.peak).toBeLessThanOrEqual(sealedSize);
    expect(lent.now).toBe(0);
  });
});
