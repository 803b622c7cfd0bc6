/**
 * A block file damaged on disk (worn flash, a cut write under another tool, a user's cleanup tool):
 * its bytes no longer hash to the digest it is named by. The store read it back as the content of
 * its CID, so a caller of the exported backend got wrong bytes with no error. A get now ends with
 * E_INTEGRITY, before its last bytes, whether it reads into a lent buffer or in chunks.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, openSync, readFileSync, truncateSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { startClient, writeRandomFile } from "./support/client-fixture.js";
import { existsSync } from "node:fs";

const MiB = 1024 * 1024;

type Damage = (path: string, size: number) => void;

const damages: [string, Damage][] = [
  ["cut short (the last 1000 bytes gone)", (path, size) => truncateSync(path, size - 1000)],
  [
    "one byte flipped in the middle",
    (path, size) => {
      const fd = openSync(path, "r+");
      const at = Math.floor(size / 2);
      const byte = readFileSync(path)[at] as number;
      writeSync(fd, Buffer.from([byte ^ 0x01]), 0, 1, at);
      closeSync(fd);
    },
  ],
  ["bytes appended", (path) => appendFileSync(path, Buffer.from("garbage"))],
];

/** What a full read of the body gave: its bytes, or what it failed with. */
async function readAll(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of body) parts.push(Buffer.from(chunk));
    return { bytes: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

describe("local store: a block damaged on disk", () => {
  for (const [what, damage] of damages) {
    for (const lend of [false, true]) {
      test(`${what}, read ${lend ? "into a lent buffer" : "in chunks"}: the body fails E_INTEGRITY naming the CID, never ends as if whole`, async () => {
        const dir = tempDir("scc-local-damaged-");
        const store = createLocalBackend({ dir });
        const bytes = randomBytes(3 * MiB + 5);
        const cid = await store.put(bytes);
        const digest = createHash("sha256").update(bytes).digest("hex");
        const path = join(dir, "blocks", digest.slice(0, 2), digest);
        damage(path, bytes.byteLength);
        const got = await store.get(cid, lend ? { into: Buffer.alloc(4 * MiB) } : {});
        const { bytes: read, error } = await readAll(got.body);
        expect(error, `read ${read.byteLength} bytes without an error`).toBeInstanceOf(StorageError);
        expect(error).toMatchObject({ code: "E_INTEGRITY" });
        expect((error as StorageError).message).toContain(cid);
        expect(read.byteLength).toBeLessThan(got.size);
        // The store goes on serving what is whole.
        const other = randomBytes(1000);
        const otherCid = await store.put(other);
        expect((await readAll((await store.get(otherCid)).body)).bytes.equals(other)).toBe(true);
        await store.close();
      });
    }
  }
});

describe("a client fetching through the local store a piece damaged on disk", () => {
  test("the fetch and the stream still fail E_INTEGRITY and nothing is written, now that the client leaves the piece hash to the store that checked it", async () => {
    const { client, dir } = await startClient();
    const { path } = writeRandomFile(dir, "photo.jpg", 100 * 1024);
    const { reference, view } = await client.share({ path }).done;
    const piece = view.pieces[1];
    if (piece === undefined) throw new Error("the file has fewer than 2 pieces");
    const digest = Buffer.from(piece.sha256).toString("hex");
    const block = join(dir, "store", "blocks", digest.slice(0, 2), digest);
    const fd = openSync(block, "r+");
    writeSync(fd, Buffer.from([(readFileSync(block)[7] as number) ^ 0x80]), 0, 1, 7);
    closeSync(fd);
    const out = join(dir, "copy.jpg");
    const error = await client.fetch(reference, { out }).done.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: "E_INTEGRITY" });
    expect(existsSync(out)).toBe(false);
    let streamed: unknown;
    try {
      for await (const _ of client.fetchStream(reference)) {
        // read on
      }
    } catch (e) {
      streamed = e;
    }
    expect(streamed).toMatchObject({ code: "E_INTEGRITY" });
  });
});
