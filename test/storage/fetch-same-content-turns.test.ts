/**
 * Two downloads of one content into the cache (one reference fetched twice, or two references of the
 * same bytes: one photo in two chats) ran at once, each writing a whole temp file of its own beside
 * the other under the one reservation their content shares: 2 × the file on disk, its room reserved
 * once, and the quota no bound on what the client kept. Two fetches of one reference to the same
 * `out` likewise downloaded it twice. A download now waits while another run of the same reference
 * writes to its destination, and then ends without a fetch when that one left the content there (a
 * cache hit, or the verified file at `out`); when the other failed or was cancelled it takes over.
 * Another reference of the same bytes is not waited for (fetch-same-content-hanging.test.ts): each
 * reserves room of its own, so under this quota, which holds one copy, it waits for room instead.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { StorageError, type FetchResult, type StorageClient } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { KiB, localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { onDisk } from "./support/folder-files.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const SIZE = 7 * SMALL_PIECES.pieceSize;
const PIECES = 7;

/** Downloads running in the client's queue (its gauge): both runs have started, the second perhaps waiting its turn. */
async function activeDownloads(client: StorageClient): Promise<number> {
  const text = await client.metrics.text();
  const line = text.split("\n").find((l) => l.startsWith('status_compat_storage_jobs_active{kind="download"}'));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A sender's file, shared `references` times (each share its own key: other reference bytes, same content), and a receiver whose gets wait at a gate after the first. */
async function setup(references: number, quotaBytes = 300 * KiB) {
  const dir = tempDir("scc-same-content-");
  const store = localStore(join(dir, "store"));
  const sender = await startClient({ dir, backend: store });
  const file = writeRandomFile(dir, "photo.jpg", SIZE);
  const refs: Uint8Array[] = [];
  for (let i = 0; i < references; i++) refs.push((await sender.client.share({ path: file.path }).done).reference);
  await sender.client.stop();
  const backend = new InstrumentedBackend(store);
  const held = gate();
  backend.beforeGet = async () => {
    if (backend.gets > 1) await held.wait;
  };
  const receiver = await startClient({ dir: tempDir("scc-same-content-rx-"), backend, piecesInFlight: 1, quotaBytes });
  // Registered after the client's stop, so run before it: a get held at the gate does not see the stop.
  onTestFinished(() => held.open());
  return { file, refs, backend, held, receiver };
}

describe("two downloads of one content into the cache", () => {
  test.each([
    ["one reference fetched twice", 1],
    ["two references of the same bytes (the second waits for room: the quota holds one copy)", 2],
  ])("%s: one download, one temp file on disk, the second ends as a cache hit", async (_name, references) => {
    const { file, refs, backend, held, receiver } = await setup(references);
    const cache = join(receiver.dataDir, "cache");
    const a = receiver.client.fetch(refs[0] as Uint8Array);
    const b = receiver.client.fetch(refs[references - 1] as Uint8Array);
    await until(() => backend.gets > 1, "the first download's second get");
    let active = 0;
    for (let i = 0; i < 100 && active < 2; i++) {
      active = await activeDownloads(receiver.client);
      await turns(2);
    }
    expect(active, "both downloads' runs have started").toBe(2);
    // Its chance to start fetching, had it not waited.
    await turns(20);
    const during = onDisk(cache);
    expect(during.parts, "temp files in the cache folder while the first downloads").toBe(1);
    expect(during.bytes).toBeLessThanOrEqual(300 * KiB);
    held.open();
    const [first, second] = (await Promise.all([a.done, b.done])) as [FetchResult, FetchResult];
    expect(first).toMatchObject({ fromCache: false });
    expect(second).toMatchObject({ fromCache: true, path: first.path });
    expect(readFileSync(second.path).equals(file.bytes)).toBe(true);
    expect(backend.gets, "pieces fetched: one download's").toBe(PIECES);
    expect(onDisk(cache)).toEqual({ parts: 0, bytes: SIZE });
    expect(receiver.client.usage()).toMatchObject({ usedBytes: SIZE, reservedBytes: 0, partialBytes: 0 });
    expect(receiver.client.job(b.id).state).toBe("done");
  });

  test("the first cancelled while the second waits: the second takes over and downloads it", async () => {
    const { file, refs, backend, held, receiver } = await setup(1);
    const a = receiver.client.fetch(refs[0] as Uint8Array);
    const b = receiver.client.fetch(refs[0] as Uint8Array);
    const aEnd = a.done.catch((e: unknown) => e);
    await until(() => backend.gets > 1, "the first download's second get");
    const getsOfFirst = backend.gets;
    receiver.client.cancel(a.id);
    held.open();
    expect(((await aEnd) as StorageError).code).toBe("E_ABORTED");
    const second = await b.done;
    expect(second.fromCache).toBe(false);
    expect(readFileSync(second.path).equals(file.bytes)).toBe(true);
    expect(backend.gets - getsOfFirst, "the second fetched every piece itself").toBeGreaterThanOrEqual(PIECES);
    expect(onDisk(join(receiver.dataDir, "cache"))).toEqual({ parts: 0, bytes: SIZE });
    expect(receiver.client.usage()).toMatchObject({ usedBytes: SIZE, reservedBytes: 0, partialBytes: 0 });
  });

  test("a cancel of the one that waits ends it at once, cancelled, and the first goes on", async () => {
    const { file, refs, backend, held, receiver } = await setup(1);
    const a = receiver.client.fetch(refs[0] as Uint8Array);
    const b = receiver.client.fetch(refs[0] as Uint8Array);
    await until(() => backend.gets > 1, "the first download's second get");
    receiver.client.cancel(b.id);
    expect(((await b.done.catch((e: unknown) => e)) as StorageError).code).toBe("E_ABORTED");
    expect(receiver.client.job(b.id).state).toBe("cancelled");
    held.open();
    const first = await a.done;
    expect(readFileSync(first.path).equals(file.bytes)).toBe(true);
    expect(backend.gets).toBe(PIECES);
  });
});

describe("two fetches of one reference to the same out", () => {
  test("download it once: the second waits and ends with the verified file the first put there; never two temp files beside it", async () => {
    const { file, refs, backend, held, receiver } = await setup(1);
    const folder = tempDir("scc-same-out-");
    const out = join(folder, "photo.jpg");
    const a = receiver.client.fetch(refs[0] as Uint8Array, { out });
    const b = receiver.client.fetch(refs[0] as Uint8Array, { out });
    await until(() => backend.gets > 1, "the first download's second get");
    for (let i = 0; i < 100 && (await activeDownloads(receiver.client)) < 2; i++) await turns(2);
    await turns(20);
    expect(onDisk(folder).parts, "temp files beside out while the first downloads").toBe(1);
    held.open();
    const [first, second] = await Promise.all([a.done, b.done]);
    expect(first).toMatchObject({ path: out, fromCache: false });
    expect(second).toMatchObject({ path: out, fromCache: false, size: SIZE });
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
    expect(backend.gets, "pieces fetched: one download's").toBe(PIECES);
    expect(readdirSync(folder)).toEqual(["photo.jpg"]);
    expect(receiver.client.job(b.id).state).toBe("done");
  });
});
