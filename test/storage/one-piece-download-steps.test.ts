/**
 * A download of a one-piece file (a sender whose piece is the whole file) opens its piece a step
 * at a time (OPEN_STEP_BYTES) and writes each step at its offset in the temp file, rather than
 * holding a plaintext buffer the size of the piece: per piece in flight it lends a sealed buffer
 * and a step's buffer. The bytes the client's buffer pool lends are counted exactly by wrapping
 * that pool's take and give (every call goes to the real one).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OPEN_STEP_BYTES } from "../../src/storage/download/open-steps.js";
import { StorageError } from "../../src/storage/index.js";
import { downloadMemoryBytes } from "../../src/storage/transfer-memory.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { KiB, MiB, sha256Hex, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { countLent } from "./support/lent-bytes.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { journalRunningDownload } from "./support/journaled-download.js";

const CHUNK = 64 * KiB;
const SEALED_CHUNK = CHUNK + 16;

async function shareOnePiece(size: number) {
  const sender = await startClient({ chunkSize: CHUNK, pieceSize: size });
  const { path, bytes } = writeRandomFile(sender.dir, "whole.bin", size);
  const shared = await sender.client.share({ path }).done;
  expect(shared.view.pieces).toHaveLength(1);
  return { sender, bytes, shared };
}

describe("one-piece downloads: a step's plaintext at a time", () => {
  test("a download of a 10 MiB one-piece file lends its sealed piece and one step's buffer, not a plaintext buffer the size of the piece, and the file is right", async () => {
    const size = 10 * MiB;
    const { sender, bytes, shared } = await shareOnePiece(size);
    const { client, dir } = await startClient({ backend: sender.backend });
    const lent = countLent(client);
    const out = join(dir, "out.bin");
    await client.fetch(shared.reference, { out }).done;
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
    const sealed = (size / CHUNK) * SEALED_CHUNK;
    expect(lent.peak).toBeLessThanOrEqual(sealed + OPEN_STEP_BYTES);
    expect(lent.now).toBe(0);
  });

  test("the transfer memory a one-piece download reserves is its sealed piece and one step, not twice the piece", async () => {
    const size = 10 * MiB;
    const { shared } = await shareOnePiece(size);
    const sealed = (size / CHUNK) * SEALED_CHUNK;
    expect(downloadMemoryBytes(shared.view, 64 * MiB, 4)).toBe(sealed + OPEN_STEP_BYTES);
  });

  test("files of many small pieces and of pieces of several steps, of one byte and with a short tail, come back whole", async () => {
    for (const [chunkSize, pieceSize, size] of [
      [SMALL_PIECES.chunkSize, SMALL_PIECES.pieceSize, 300 * KiB + 123],
      [CHUNK, 9 * MiB, 9 * MiB + 5],
      [CHUNK, 9 * MiB, 18 * MiB],
      [CHUNK, 9 * MiB, 1],
    ] as const) {
      const sender = await startClient({ chunkSize, pieceSize });
      const { path, bytes } = writeRandomFile(sender.dir, "file.bin", size);
      const shared = await sender.client.share({ path }).done;
      const { client, dir } = await startClient({ backend: sender.backend });
      const out = join(dir, "out.bin");
      await client.fetch(shared.reference, { out }).done;
      expect(sha256Hex(readFileSync(out)), `${size} bytes in pieces of ${pieceSize}`).toBe(sha256Hex(bytes));
    }
  });

  test("a piece that matches its sha256 but does not decrypt (a wrong key) fails E_INTEGRITY and leaves no file at the destination", async () => {
    const { sender, shared } = await shareOnePiece(9 * MiB);
    const view = decodeFileReference(shared.reference, 3);
    const key = Uint8Array.from(view.encryption.key);
    key[0] = (key[0] as number) ^ 1;
    const wrong = encodeFileReference({ ...view, encryption: { ...view.encryption, key } }, 3);
    const { client, dir } = await startClient({ backend: sender.backend });
    const out = join(dir, "out.bin");
    writeFileSync(out, "the file the user had");
    const error = await client.fetch(wrong, { out }).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_INTEGRITY");
    expect(readFileSync(out, "utf8")).toBe("the file the user had");
  });

  test("a resumed download reads its verified pieces of several steps back step by step into the file hash: kept when intact, fetched again when a middle step was changed on disk", async () => {
    const pieceSize = 9 * MiB; // three steps of 64 chunks, the last one short
    const sender = await startClient({ chunkSize: CHUNK, pieceSize });
    const { path, bytes } = writeRandomFile(sender.dir, "two-pieces.bin", 2 * pieceSize);
    const shared = await sender.client.share({ path }).done;
    expect(shared.view.pieces).toHaveLength(2);
    for (const damaged of [false, true]) {
      const store = new InstrumentedBackend(sender.backend);
      const { dir, statePath, client } = await startClient({ backend: store });
      // Piece 0 journaled as verified into the temp file, as a run that crashed after it leaves it.
      await client.stop();
      const { id, dest, tempPath } = journalRunningDownload(dir, shared.reference, 1);
      const temp = Buffer.from(bytes.subarray(0, pieceSize));
      if (damaged) temp[5 * MiB] = (temp[5 * MiB] as number) ^ 1;
      writeFileSync(tempPath, temp);
      const resumed = await startClient({ dir, backend: store, statePath, dataDir: join(dir, "data") });
      await resumed.client.job(id).done;
      expect(sha256Hex(readFileSync(dest)), damaged ? "damaged" : "intact").toBe(sha256Hex(bytes));
      // Intact: only piece 1 fetched. Damaged: the file hash failed over the read-back steps, both fetched again.
      expect(store.gets, damaged ? "damaged" : "intact").toBe(damaged ? 3 : 1);
    }
  });
});
