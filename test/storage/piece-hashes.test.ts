/**
 * Where a piece's sha256 in the reference comes from: the local store hashes every byte it stores
 * and names the block by that digest, so the client reads it off the CID instead of hashing the
 * same bytes again; for any backend that does not say so, or whose CID carries no such digest,
 * the client hashes the piece itself. Either way the reference holds the sha256 of the stored bytes.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import type { BackendCallOptions, GetOptions, PutOptions, StorageBackend } from "../../src/storage/backend.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAG_PB = 0x70;

async function stored(backend: StorageBackend, cid: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of (await backend.get(cid)).body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/**
 * The local store behind CIDs of another codec (as a Codex node's manifest CIDs are): the digest
 * inside them is not the piece's. It may or may not claim to hash in process.
 */
function aliasing(inner: StorageBackend, claims: boolean): StorageBackend {
  const real = new Map<string, string>();
  const alias = (cid: string): string => CID.createV1(DAG_PB, Digest.create(0x12, createHash("sha256").update(cid).digest())).toString(base58btc);
  return {
    kind: "aliasing",
    location: inner.location,
    ...(claims ? { hashesInProcess: "sha2-256" as const } : {}),
    async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions) {
      const cid = await inner.put(body, options);
      real.set(alias(cid), cid);
      return alias(cid);
    },
    get: (cid: string, options?: GetOptions) => inner.get(real.get(cid) ?? cid, options),
    has: (cid: string, options?: BackendCallOptions) => inner.has(real.get(cid) ?? cid, options),
    delete: (cid: string, options?: BackendCallOptions) => inner.delete(real.get(cid) ?? cid, options),
    space: (options?: BackendCallOptions) => inner.space(options),
    close: () => inner.close(),
  };
}

describe("piece hashes in the reference", () => {
  test("with the local store (which hashes in process), each piece's sha256 is the sha256 of the block stored under its CID, and the file comes back", async () => {
    const { client, backend, dir } = await startClient();
    expect(backend.hashesInProcess).toBe("sha2-256");
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 300 * 1024 + 5);
    const { reference, view } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(5);
    for (const piece of view.pieces) {
      expect(Buffer.from(piece.sha256).equals(createHash("sha256").update(await stored(backend, piece.cid)).digest())).toBe(true);
    }
    const got = await client.fetch(reference, { out: join(dir, "copy.jpg") }).done;
    expect(Buffer.from(got.sha256).equals(createHash("sha256").update(bytes).digest())).toBe(true);
  });

  test.each([
    ["claims to hash in process, but its CIDs carry no digest of the piece", true],
    ["does not claim to hash in process", false],
  ])("a backend that %s: the client hashes each piece itself, and the reference is right", async (_what, claims) => {
    const dir = tempDir();
    const backend = aliasing(localStore(join(dir, "store")), claims);
    const { client } = await startClient({ dir, backend });
    const { path, bytes } = writeRandomFile(dir, "notes.txt", 200 * 1024 + 1);
    const { reference, view } = await client.share({ path }).done;
    for (const piece of view.pieces) {
      expect(Buffer.from(piece.sha256).equals(createHash("sha256").update(await stored(backend, piece.cid)).digest())).toBe(true);
    }
    const got = await client.fetch(reference, { out: join(dir, "copy.txt") }).done;
    expect(Buffer.from(got.sha256).equals(createHash("sha256").update(bytes).digest())).toBe(true);
    await backend.close();
  });
});
