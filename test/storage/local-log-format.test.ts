/**
 * The log store's files: what lands where, what a newer format makes it refuse, what the old
 * layout still gives, and group commit (fewer segment datasyncs than puts).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { openLocalStore } from "../../src/storage/backends/local/local-backend.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { tempDir } from "../support/temp-dir.js";
import { ENTRY_BYTES, HEADER_BYTES, indexEntry, indexesOf, indexHeader, parseIndex, readAll, sha256Hex } from "./support/local-log-files.js";

const MiB = 1024 * 1024;

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = statSync(path);
    out[path] = `${entry.isDirectory() ? "dir" : "file"} ${info.size} ${info.mtimeMs}`;
  }
  return out;
}

async function* streamed(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += 65_536) yield bytes.subarray(at, at + 65_536);
}

describe("log store files", () => {
  test("a buffer put lands in log/ (its bytes in the segment at the entry's range), a streamed put in blocks/; both read back", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const first = randomBytes(10_000);
    const second = randomBytes(123_457);
    const viaStream = randomBytes(200_000);
    const firstCid = await store.put(first);
    const secondCid = await store.put(second);
    const streamCid = await store.put(streamed(viaStream));
    const [writer, entries] = [...indexesOf(dir)][0] as [string, ReturnType<typeof parseIndex>];
    expect(writer).toMatch(/^[0-9a-f]{16}$/);
    expect(readdirSync(join(dir, "log")).sort()).toEqual([`${writer}.idx`, `${writer}.seg`]);
    const idx = readFileSync(join(dir, "log", `${writer}.idx`));
    expect(idx.subarray(0, 8).toString("latin1")).toBe("SCCLIDX1");
    expect(idx.readUInt32LE(8)).toBe(1);
    expect(idx.readUInt32LE(12)).toBe(0);
    expect(idx.byteLength).toBe(HEADER_BYTES + 2 * ENTRY_BYTES);
    const segment = readFileSync(join(dir, "log", `${writer}.seg`));
    expect(entries.map((e) => e.kind)).toEqual([1, 1]);
    expect(entries[1]!.seq).toBeGreaterThan(entries[0]!.seq);
    for (const [entry, bytes] of [[entries[0]!, first], [entries[1]!, second]] as const) {
      expect(entry.digestHex).toBe(sha256Hex(bytes));
      expect(segment.subarray(entry.offset, entry.offset + entry.length).equals(bytes)).toBe(true);
    }
    const digest = sha256Hex(viaStream);
    expect(readFileSync(join(dir, "blocks", digest.slice(0, 2), digest)).equals(viaStream)).toBe(true);
    for (const [cid, bytes] of [[firstCid, first], [secondCid, second], [streamCid, viaStream]] as const) {
      expect((await readAll((await store.get(cid)).body)).equals(bytes)).toBe(true);
    }
    await store.close();
  });

  test("a delete appends a tombstone entry with a higher seq; the segment keeps the bytes (no compaction in v1)", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const bytes = randomBytes(4096);
    const cid = await store.put(bytes);
    const before = (await store.space()).quotaUsedBytes;
    await store.delete(cid);
    await store.delete(cid); // absent now: no second tombstone
    const entries = [...indexesOf(dir).values()][0]!;
    expect(entries.map((e) => e.kind)).toEqual([1, 2]);
    expect(entries[1]!.digestHex).toBe(entries[0]!.digestHex);
    expect(entries[1]!.seq).toBeGreaterThan(entries[0]!.seq);
    expect(await store.has(cid)).toBe(false);
    expect((await store.space()).quotaUsedBytes).toBe(before + ENTRY_BYTES);
    await store.close();
  });

  test("a block the old store wrote under blocks/ is read, found by has, and deleted", async () => {
    const dir = tempDir();
    const bytes = randomBytes(300_000);
    const digest = createHash("sha256").update(bytes).digest("hex");
    mkdirSync(join(dir, "blocks", digest.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, "blocks", digest.slice(0, 2), digest), bytes);
    const store = createLocalBackend({ dir });
    const cid = cidOfDigest(Buffer.from(digest, "hex"));
    expect(await store.has(cid)).toBe(true);
    const got = await store.get(cid);
    expect(got.size).toBe(bytes.byteLength);
    expect((await readAll(got.body)).equals(bytes)).toBe(true);
    expect((await store.space()).quotaUsedBytes).toBe(bytes.byteLength);
    await store.delete(cid);
    expect(await store.has(cid)).toBe(false);
    expect(readdirSync(join(dir, "blocks", digest.slice(0, 2)))).toEqual([]);
    expect(readdirSync(dir)).toEqual(["blocks"]); // no tombstone was needed: the log was never created
    await store.close();
  });

  test("an index of format version 2: put, get, has, delete and space fail with E_STORE_FROM_FUTURE, and no file is created or changed", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "log"));
    const digest = sha256Hex(Buffer.from("from the future"));
    writeFileSync(join(dir, "log", "00112233445566aa.idx"), Buffer.concat([indexHeader(2), indexEntry({ kind: 1, offset: 0, length: 15, digestHex: digest, seq: 1 })]));
    writeFileSync(join(dir, "log", "00112233445566aa.seg"), "from the future");
    const before = snapshot(dir);
    const store = createLocalBackend({ dir });
    const cid = cidOfDigest(Buffer.from(digest, "hex"));
    const future = { code: "E_STORE_FROM_FUTURE" };
    await expect(store.put(randomBytes(100))).rejects.toMatchObject(future);
    await expect(store.put(streamed(randomBytes(100)))).rejects.toMatchObject(future);
    await expect(store.get(cid)).rejects.toMatchObject(future);
    await expect(store.has(cid)).rejects.toMatchObject(future);
    await expect(store.delete(cid)).rejects.toMatchObject(future);
    await expect(store.space()).rejects.toMatchObject(future);
    const error = await store.put(randomBytes(1)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/format version 2/);
    await store.close();
    expect(snapshot(dir)).toEqual(before);
  });

  test("an index that appears with a newer format while a store runs makes it refuse from then on", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const cid = await store.put(randomBytes(100));
    writeFileSync(join(dir, "log", "ffeeddccbbaa9988.idx"), indexHeader(3));
    // A miss reads the log directory again and meets the newer index.
    await expect(store.has(cidOfDigest(randomBytes(32)))).rejects.toMatchObject({ code: "E_STORE_FROM_FUTURE" });
    await expect(store.get(cid)).rejects.toMatchObject({ code: "E_STORE_FROM_FUTURE" });
    await store.close();
  });

  test("an index with a bad magic is E_LOCAL_IO with a clear message, and nothing is written", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "log"));
    writeFileSync(join(dir, "log", "0011223344556677.idx"), indexHeader(1, "NOTANIDX"));
    const before = snapshot(dir);
    const store = createLocalBackend({ dir });
    const error = await store.put(randomBytes(100)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    expect((error as Error).message).toMatch(/bad magic/);
    await expect(store.has(cidOfDigest(randomBytes(32)))).rejects.toMatchObject({ code: "E_LOCAL_IO" });
    await store.close();
    expect(snapshot(dir)).toEqual(before);
  });

  test("an index shorter than its header (a writer that has just created it) is read as empty", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "log"));
    writeFileSync(join(dir, "log", "0011223344556677.idx"), indexHeader(1).subarray(0, 5));
    const store = createLocalBackend({ dir });
    const bytes = randomBytes(100);
    const cid = await store.put(bytes);
    expect((await readAll((await store.get(cid)).body)).equals(bytes)).toBe(true);
    await store.close();
  });

  test("8 concurrent buffer puts of 4 MiB all resolve, with fewer segment datasyncs than puts (group commit)", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir });
    const blocks = Array.from({ length: 8 }, () => randomBytes(4 * MiB));
    const cids = await Promise.all(blocks.map((b) => store.put(b)));
    expect(new Set(cids).size).toBe(8);
    expect(store.syncCounts.segmentSyncs).toBeGreaterThan(0);
    expect(store.syncCounts.segmentSyncs).toBeLessThan(8);
    expect(store.syncCounts.indexSyncs).toBe(store.syncCounts.segmentSyncs);
    const entries = [...indexesOf(dir).values()][0]!;
    expect(entries).toHaveLength(8);
    // Reserved ranges never overlap: each block's bytes sit alone in its range.
    const ranges = entries.map((e) => [e.offset, e.offset + e.length] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    for (const [i, cid] of cids.entries()) expect((await readAll((await store.get(cid)).body)).equals(blocks[i]!)).toBe(true);
    await store.close();
  });

  test("a writer moves to a fresh pair once its segment passes the limit; every block stays readable, also after reopen", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir }, { segmentLimitBytes: 100_000 });
    const blocks = Array.from({ length: 6 }, () => randomBytes(60_000));
    const cids: string[] = [];
    for (const block of blocks) cids.push(await store.put(block));
    await store.close();
    const indexes = indexesOf(dir);
    expect(indexes.size).toBe(3); // 2 blocks of 60 000 bytes pass 100 000
    for (const [writer, entries] of indexes) {
      expect(entries).toHaveLength(2);
      expect(statSync(join(dir, "log", `${writer}.seg`)).size).toBe(120_000);
    }
    const reopened = createLocalBackend({ dir });
    for (const [i, cid] of cids.entries()) expect((await readAll((await reopened.get(cid)).body)).equals(blocks[i]!)).toBe(true);
    await reopened.close();
  });

  test("an aborted put leaves no entry (at most a hole in the segment), and later puts are served", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const controller = new AbortController();
    const aborted = randomBytes(4 * MiB);
    const pending = store.put(aborted, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "E_ABORTED" });
    const next = randomBytes(1000);
    const cid = await store.put(next);
    await store.close();
    const entries = [...indexesOf(dir).values()][0]!;
    expect(entries.map((e) => e.digestHex)).toEqual([sha256Hex(next)]);
    const fresh = createLocalBackend({ dir });
    expect(await fresh.has(cidOfDigest(Buffer.from(sha256Hex(aborted), "hex")))).toBe(false);
    expect((await readAll((await fresh.get(cid)).body)).equals(next)).toBe(true);
    await fresh.close();
  });

  test("a segment cut short under an entry gives E_TRUNCATED on read, not short content", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    const bytes = randomBytes(2 * MiB);
    const cid = await store.put(bytes);
    await store.close();
    const writer = [...indexesOf(dir).keys()][0]!;
    writeFileSync(join(dir, "log", `${writer}.seg`), bytes.subarray(0, MiB));
    const fresh = createLocalBackend({ dir });
    await expect(readAll((await fresh.get(cid)).body)).rejects.toMatchObject({ code: "E_TRUNCATED" });
    await fresh.close();
  });

  test("close waits for the puts that are writing, refuses a put that had not reached the log, and leaves no file open", async () => {
    const dir = tempDir();
    const store = createLocalBackend({ dir });
    await store.put(randomBytes(10)); // the index is loaded: the puts below reach the writer within a turn
    const blocks = Array.from({ length: 4 }, () => randomBytes(MiB));
    const puts = blocks.map((b) => store.put(b));
    await new Promise((resolve) => setImmediate(resolve));
    const late = store.put(randomBytes(100)).catch((error: unknown) => error);
    await store.close();
    const cids = await Promise.all(puts);
    expect(await late).toMatchObject({ code: "E_CLIENT_CLOSED" });
    expect(openFilesUnder(dir)).toEqual([]);
    const fresh = createLocalBackend({ dir });
    for (const [i, cid] of cids.entries()) expect((await readAll((await fresh.get(cid)).body)).equals(blocks[i]!)).toBe(true);
    await fresh.close();
    expect(openFilesUnder(dir)).toEqual([]);
  });
});

/** Files under `dir` this process holds open (Linux: /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(join("/proc/self/fd", fd));
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed between the listing and the look
    }
  }
  return out;
}
