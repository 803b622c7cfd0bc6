import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError, type StorageClient } from "../../src/storage/index.js";
import { decodeFileReference, encodeFileReference, type FileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

async function sharedFile(size = 200 * KiB) {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const setup = await startClient({ dir, backend });
  const { path, bytes } = writeRandomFile(dir, "secret.bin", size);
  const shared = await setup.client.share({ path }).done;
  const outDir = join(dir, "out");
  return { ...setup, backend, bytes, shared, outDir, out: join(outDir, "secret.bin") };
}

/** Fetches to a file and returns the error; asserts nothing was left in the output folder. */
async function fetchFails(client: StorageClient, reference: Uint8Array, out: string): Promise<StorageError> {
  const error = await client.fetch(reference, { out }).done.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect(existsSync(out)).toBe(false);
  const dir = join(out, "..");
  expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  return error as StorageError;
}

async function streamFails(client: StorageClient, reference: Uint8Array): Promise<{ error: StorageError; yielded: number }> {
  let yielded = 0;
  try {
    for await (const part of client.fetchStream(reference)) yielded += part.byteLength;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return { error: error as StorageError, yielded };
  }
  throw new Error("the stream ended normally");
}

function reencode(reference: Uint8Array, change: (view: FileReference) => void): Uint8Array {
  const view = decodeFileReference(reference, 3);
  // Positions are recomputed by the encoder from list order.
  view.pieces = view.pieces.map((p) => ({ cid: p.cid, size: p.size, sha256: p.sha256 }));
  change(view);
  return encodeFileReference(view, 3);
}

describe("integrity: nothing unverified reaches the output", () => {
  test("a piece altered on the backend: E_INTEGRITY, not retried on that endpoint, no output file", async () => {
    const { client, backend, shared, out } = await sharedFile();
    const target = shared.view.pieces[2]?.cid;
    backend.alterGet = (cid, bytes) => {
      if (cid === target) bytes[100] = (bytes[100] as number) ^ 0xff;
      return bytes;
    };
    const before = backend.gets;
    const error = await fetchFails(client, shared.reference, out);
    expect(error.code).toBe("E_INTEGRITY");
    expect(error.message).toContain(target);
    // Hash mismatch is not retried on the same endpoint: each piece was asked for once at most.
    expect(backend.gets - before).toBeLessThanOrEqual(shared.view.pieces.length);
    expect(client.jobs().at(-1)).toMatchObject({ kind: "download", state: "failed" });
    expect(client.jobs().at(-1)?.lastError).toMatch(/^E_INTEGRITY: /);
  });

  test("a piece served cut short by the backend (size mismatch): E_INTEGRITY and no output", async () => {
    const { client, backend, shared, out } = await sharedFile();
    backend.alterGet = (cid, bytes) => (cid === shared.view.pieces[0]?.cid ? bytes.subarray(0, bytes.byteLength - 1000) : bytes);
    expect((await fetchFails(client, shared.reference, out)).code).toBe("E_INTEGRITY");
  });

  test("a wrong key: the pieces verify but do not decrypt, E_INTEGRITY and no output; the stream yields nothing", async () => {
    const { client, shared, out } = await sharedFile();
    const wrongKey = reencode(shared.reference, (v) => {
      v.encryption.key = new Uint8Array(32).fill(7);
    });
    const error = await fetchFails(client, wrongKey, out);
    expect(error.code).toBe("E_INTEGRITY");
    expect(error.message).toMatch(/does not decrypt|wrong key/);
    const streamed = await streamFails(client, wrongKey);
    expect(streamed.error.code).toBe("E_INTEGRITY");
    expect(streamed.yielded).toBe(0);
  });

  test("a truncated stream (last piece dropped, size lowered to match): the new last chunk is not marked final, E_INTEGRITY", async () => {
    const { client, shared, out } = await sharedFile();
    const truncated = reencode(shared.reference, (v) => {
      v.pieces.pop();
      // 32 KiB of plaintext per piece with 4 KiB chunks: what the remaining pieces hold.
      v.plaintextSize = v.pieces.length * 32 * KiB;
    });
    expect((await fetchFails(client, truncated, out)).code).toBe("E_INTEGRITY");
    expect((await streamFails(client, truncated)).error.code).toBe("E_INTEGRITY");
  });

  test("a piece dropped without adjusting the size is refused up front with E_BAD_REFERENCE", async () => {
    const { client, shared } = await sharedFile();
    const dropped = reencode(shared.reference, (v) => {
      v.pieces.splice(1, 1);
    });
    expect(() => client.fetch(dropped, { out: join(tempDir(), "x") })).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
  });

  test("two pieces swapped in the list (each still matching its own hash): chunk positions do not authenticate, E_INTEGRITY", async () => {
    const { client, shared, out } = await sharedFile();
    const swapped = reencode(shared.reference, (v) => {
      const [a, b] = [v.pieces[0], v.pieces[1]] as [FileReference["pieces"][number], FileReference["pieces"][number]];
      v.pieces[0] = { cid: b.cid, size: b.size, sha256: b.sha256 };
      v.pieces[1] = { cid: a.cid, size: a.size, sha256: a.sha256 };
    });
    expect((await fetchFails(client, swapped, out)).code).toBe("E_INTEGRITY");
    const streamed = await streamFails(client, swapped);
    expect(streamed.error.code).toBe("E_INTEGRITY");
    expect(streamed.yielded).toBe(0);
  });

  test("a wrong plaintext sha256 in the reference: every chunk authenticates, the whole-file check refuses, no output and the stream withholds the last piece", async () => {
    const { client, shared, out, bytes } = await sharedFile();
    const lying = reencode(shared.reference, (v) => {
      v.plaintextSha256 = new Uint8Array(32).fill(1);
    });
    expect((await fetchFails(client, lying, out)).code).toBe("E_INTEGRITY");
    const streamed = await streamFails(client, lying);
    expect(streamed.error.code).toBe("E_INTEGRITY");
    expect(streamed.yielded).toBeLessThan(bytes.byteLength);
  });

  test("bytes that are not a reference are E_BAD_REFERENCE", async () => {
    const { client } = await startClient();
    for (const junk of [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(200_000)]) {
      expect(() => client.fetch(junk, { out: join(tempDir(), "x") })).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
    }
  });
});
