/** The embedded local store: what only a disk store promises (the shared suite runs in compliance.local.test.ts). */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { describe, expect, test } from "vitest";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

describe("local store specifics", () => {
  test("a CID is CIDv1, codec raw, sha2-256 of the content, written in base58btc", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const bytes = randomBytes(5000);
    const text = await store.put(bytes);
    expect(text.startsWith("z")).toBe(true);
    const cid = CID.parse(text, base58btc);
    expect(cid.version).toBe(1);
    expect(cid.code).toBe(0x55);
    expect(cid.multihash.code).toBe(0x12);
    expect(Buffer.from(cid.multihash.digest).equals(createHash("sha256").update(bytes).digest())).toBe(true);
    await store.close();
  });

  test("a put whose source fails midway stores nothing and leaves no temp file", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(100_000);
      throw new Error("source broke");
    }
    await expect(store.put(failing())).rejects.toThrow("source broke");
    expect(filesUnder(dir)).toEqual([]);
    await store.close();
  });

  test("a size that does not match the body is refused and nothing is stored", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    await expect(store.put(randomBytes(100), { size: 101 })).rejects.toMatchObject({ code: "E_TRUNCATED" });
    await expect(store.put(randomBytes(100), { size: 99 })).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    expect(filesUnder(dir)).toEqual([]);
    await store.close();
  });

  test("a streamed body that runs past its declared size is refused as soon as it does (a growing source never fills the disk), and the source is handed back", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    let yielded = 0;
    let closed = false;
    async function* growing(): AsyncGenerator<Uint8Array> {
      try {
        // A file still being recorded: it goes on long after its size was taken.
        for (let i = 0; i < 256; i++) {
          yielded++;
          yield randomBytes(64 * 1024);
        }
      } finally {
        closed = true;
      }
    }
    await expect(store.put(growing(), { size: 100_000 })).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    expect(yielded).toBeLessThanOrEqual(2);
    expect(closed).toBe(true);
    expect(filesUnder(dir)).toEqual([]);
    await store.close();
  });

  test("a streamed body that yields text or another non-byte chunk (a stream with an encoding set) is refused E_BACKEND_REJECTED: no block whose bytes are not its CID's", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const text = Readable.from(["hello ", "world"]);
    const refused = await store.put(text).then((cid) => `stored ${cid}`, (e: unknown) => e);
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({ code: "E_BACKEND_REJECTED" });
    expect((refused as StorageError).message).toContain("string");
    async function* arrayBuffers(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1, 2, 3]);
      yield new ArrayBuffer(4) as unknown as Uint8Array;
    }
    await expect(store.put(arrayBuffers())).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    expect(filesUnder(dir)).toEqual([]);
    expect(text.destroyed).toBe(true);
    await store.close();
  });

  test("a body that is neither bytes nor an async iterable (a string, null, an array of buffers from a JavaScript caller) is refused E_BACKEND_REJECTED, not a raw TypeError", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    for (const body of ["hello", null, [Buffer.from("a")], new ArrayBuffer(3)]) {
      const error = await store.put(body as unknown as Uint8Array).then(() => "stored", (e: unknown) => e);
      expect(error, String(body)).toBeInstanceOf(StorageError);
      expect(error, String(body)).toMatchObject({ code: "E_BACKEND_REJECTED" });
    }
    expect(filesUnder(dir)).toEqual([]);
    await store.close();
  });

  test("null options (a JavaScript caller's 'no options') work as undefined, not a raw TypeError", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const none = null as unknown as undefined;
    const cid = await store.put(Buffer.from("a block"), none);
    expect(await store.has(cid, none)).toBe(true);
    expect((await store.get(cid, none)).size).toBe(7);
    expect((await store.space(none)).quotaUsedBytes).toBe(7);
    await store.delete(cid, none);
    expect(await store.has(cid)).toBe(false);
    await store.close();
  });

  test("a lent buffer that is not a Uint8Array (an ArrayBuffer, from a JavaScript caller) is ignored as a too-small one is, not a raw TypeError", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const bytes = randomBytes(5000);
    const cid = await store.put(bytes);
    const got = await store.get(cid, { into: new ArrayBuffer(8000) as unknown as Uint8Array });
    const parts: Buffer[] = [];
    for await (const chunk of got.body) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    await store.close();
  });

  test("a well-formed CID of another codec is simply not here", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const codexStyle = "zDvZRwzm2qVxJ4dJc3ssLghhmrhQ1GEJb4MR9o9gHjRfUTvnA8rK";
    expect(await store.has(codexStyle)).toBe(false);
    await expect(store.get(codexStyle)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await store.close();
  });

  test("a store directory that is a file gives E_LOCAL_IO, not a raw Node error", async () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");
    const store = createLocalBackend({ dir: file });
    const error = await store.put(randomBytes(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    await store.close();
  });

  test("calls after close are refused with E_CLIENT_CLOSED", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const cid = await store.put(randomBytes(10));
    await store.close();
    await expect(store.get(cid)).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await expect(store.put(randomBytes(10))).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  });

  test("close() ends a put in flight whose source stalls with E_CLIENT_CLOSED: its temp file is gone and its source handed back by the time close() returns", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    let returned = false;
    let stall!: () => void;
    const stalled = new Promise<void>((resolve) => (stall = resolve));
    let calls = 0;
    // A source that never goes on after its first bytes (a network share that hung, a recording
    // paused), as a file stream's iterator: return() is what closes it.
    const stalling: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          if (calls++ === 0) return { done: false, value: randomBytes(100_000) };
          stall();
          return new Promise<never>(() => undefined);
        },
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const putting = store.put(stalling).catch((e: unknown) => e);
    await stalled;
    expect(filesUnder(join(dir, "incoming"))).toHaveLength(1);
    const closing = store.close();
    const outcome = await Promise.race([putting, new Promise((resolve) => setTimeout(() => resolve("still pending"), 2_000))]);
    expect((outcome as StorageError).code).toBe("E_CLIENT_CLOSED");
    await closing;
    expect(filesUnder(dir)).toEqual([]);
    expect(returned).toBe(true);
  });

  test("close() ends a get being read with E_CLIENT_CLOSED at its next chunk", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const cid = await store.put(randomBytes(3 * 1024 * 1024));
    const reading = (await store.get(cid)).body[Symbol.asyncIterator]();
    expect((await reading.next()).done).toBe(false);
    await store.close();
    await expect(reading.next()).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  });

  test("a block the disk cannot read fails its body with E_LOCAL_IO naming the CID, not a raw Node error", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const bytes = randomBytes(5000);
    const cid = await store.put(bytes);
    // What a damaged store can hold at a block's name: something that opens but does not read (EISDIR, as EIO would).
    const digest = createHash("sha256").update(bytes).digest("hex");
    const path = join(dir, "blocks", digest.slice(0, 2), digest);
    rmSync(path);
    mkdirSync(path);
    const error = await (async () => {
      for await (const _ of (await store.get(cid)).body) {
        // read to the end
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    expect((error as StorageError).message).toContain(cid);
    await store.close();
  });

  test("a get given a large enough buffer reads the block straight into it (views of it, no copy); a smaller one is ignored", async () => {
    const store = createLocalBackend({ dir: tempDir() });
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const cid = await store.put(bytes);
    const lent = Buffer.alloc(bytes.byteLength + 100);
    const got = await store.get(cid, { into: lent });
    let at = 0;
    for await (const chunk of got.body) {
      expect(chunk.buffer).toBe(lent.buffer);
      expect(chunk.byteOffset).toBe(lent.byteOffset + at);
      at += chunk.byteLength;
    }
    expect(at).toBe(bytes.byteLength);
    expect(lent.subarray(0, at).equals(bytes)).toBe(true);
    const small = Buffer.alloc(10);
    const parts: Buffer[] = [];
    for await (const chunk of (await store.get(cid, { into: small })).body) {
      expect(chunk.buffer).not.toBe(small.buffer);
      parts.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    expect(small.equals(Buffer.alloc(10))).toBe(true);
    await store.close();
  });

  test("puts create the store's directories when they are missing, also after they were removed", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const first = randomBytes(1000);
    const cid = await store.put(first);
    rmSync(dir, { recursive: true, force: true });
    expect(await store.has(cid)).toBe(false);
    expect(await store.put(first)).toBe(cid);
    const parts: Buffer[] = [];
    for await (const chunk of (await store.get(cid)).body) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(first)).toBe(true);
    await store.close();
  });
});

describe("local store space()", () => {
  test("a store whose directory is not created yet (created on first write) reports the room of the disk it will be on, not a quota of 0 bytes", async () => {
    const parent = tempDir();
    const store = createLocalBackend({ dir: join(parent, "not", "yet") });
    const space = await store.space();
    const disk = statfsSync(parent);
    expect(space.quotaUsedBytes).toBe(0);
    expect(space.quotaMaxBytes).toBeGreaterThan(0);
    // Within what other writers on this disk may have changed between the two looks.
    expect(Math.abs(space.quotaMaxBytes - disk.bavail * disk.bsize)).toBeLessThan(1024 * 1024 * 1024);
    await store.close();
  });
});
