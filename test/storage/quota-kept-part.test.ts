/**
 * docs/storage.md (Limits, Quota): a download into the cache that fails keeping its verified pieces
 * for a resume (a backend closed under it, a deadline, a passing disk failure) leaves its temp file
 * `<cid>.<id8>.part` in the cache folder. That file was counted by nothing until the retry or the
 * next start: the cache was filled to the quota beside it, so the client kept more than its quota
 * on disk, by up to a whole file. It now counts like a pinned file (usage().partialBytes) until the
 * job's next run reserves its room in its place, or the file goes (cancel, a failure for good).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { bytesKeptIn, KiB, SMALL_PIECES, sha256Hex, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { RecordingBackend } from "./support/recording-backend.js";

const QUOTA = 300 * KiB;

/** A promise the test settles (Node 20 has no Promise.withResolvers). */
function heldGate(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Rejected while nobody awaits it (a stop with no get held): not an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A client whose download of a 5-piece video into the cache was cut after 3 verified pieces by its backend closing: failed, its temp file kept. */
async function videoCutShort() {
  const sender = await startClient();
  const video = randomBytes(5 * SMALL_PIECES.pieceSize);
  const videoRef = (await sender.client.share({ bytes: video, fileName: "video.mp4" }).done).reference;
  const photos: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) photos.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `p${i}.jpg` }).done).reference);
  const backend = new InstrumentedBackend(sender.backend);
  let closedAfter: number | undefined = 3;
  backend.beforeGet = () => {
    if (closedAfter !== undefined && closedAfter-- <= 0) throw new StorageError("E_CLIENT_CLOSED", "the application closed this store (test)");
  };
  const receiver = await startClient({ backend, quotaBytes: QUOTA, piecesInFlight: 1 });
  const job = receiver.client.fetch(videoRef);
  await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  closedAfter = undefined;
  const cache = join(receiver.dataDir, "cache");
  const parts = readdirSync(cache).filter((n) => n.endsWith(".part"));
  expect(parts, "the temp file kept for the resume").toHaveLength(1);
  const partSize = statSync(join(cache, parts[0] as string)).size;
  expect(partSize).toBeGreaterThanOrEqual(3 * SMALL_PIECES.pieceSize);
  return { receiver, backend, job, video, photos, partSize };
}

describe("the temp file of a download into the cache kept for a resume counts under the quota", () => {
  test("photos fetched into the cache beside it: what is on disk stays within the quota; the retry finishes from it", async () => {
    const { receiver, job, video, photos, partSize } = await videoCutShort();
    expect(receiver.client.usage().partialBytes).toBe(partSize);
    for (const photo of photos) await receiver.client.fetch(photo).done;
    // Before: three photos (300 KiB) beside the kept temp file, 396 KiB on disk under a 300 KiB quota.
    expect(bytesKeptIn(receiver.dataDir), "bytes on disk in the cache and spool folders").toBeLessThanOrEqual(QUOTA);
    expect(receiver.client.usage().usedBytes + receiver.client.usage().partialBytes).toBeLessThanOrEqual(QUOTA);

    // The retry goes on from the kept pieces, its room now reserved in the temp file's place.
    const result = (await receiver.client.retry(job.id).done) as FetchResult;
    expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(video));
    expect(receiver.client.usage()).toMatchObject({ partialBytes: 0, reservedBytes: 0, waitingForRoom: 0 });
    expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(QUOTA);
  });

  test("cancelled, its temp file goes and its room with it", async () => {
    const { receiver, job } = await videoCutShort();
    receiver.client.cancel(job.id);
    await expect.poll(() => receiver.client.usage().partialBytes).toBe(0);
    expect(readdirSync(join(receiver.dataDir, "cache")).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  test("the next start counts it while its job waits its turn, and fits the quota (lowered meanwhile) around it", async () => {
    const store = new RecordingBackend((await startClient()).backend);
    const sender = await startClient({ backend: store });
    // A download to the app's own file, made first: after a restart it runs first, and the video waits behind it.
    const first = await store.putDuring(async () => (await sender.client.share({ bytes: randomBytes(2 * SMALL_PIECES.pieceSize), fileName: "doc.pdf" }).done).reference);
    const video = randomBytes(5 * SMALL_PIECES.pieceSize);
    const cut = await store.putDuring(async () => (await sender.client.share({ bytes: video, fileName: "video.mp4" }).done).reference);
    const photos: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) photos.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `p${i}.jpg` }).done).reference);

    const backend = new InstrumentedBackend(store);
    let videoGets = 0;
    let gate = heldGate();
    backend.beforeGet = async (cid) => {
      if (first.cids.has(cid)) await gate.promise;
      // The store closed under the video's run after 3 verified pieces (first session only).
      if (cut.cids.has(cid) && videoGets >= 0 && ++videoGets > 3) throw new StorageError("E_CLIENT_CLOSED", "the application closed this store (test)");
    };
    const receiver = await startClient({ backend, quotaBytes: QUOTA, piecesInFlight: 1 });
    const doc = receiver.client.fetch(first.result, { out: join(receiver.dir, "doc.pdf") });
    const job = receiver.client.fetch(cut.result);
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    const partSize = receiver.client.usage().partialBytes;
    expect(partSize).toBeGreaterThanOrEqual(3 * SMALL_PIECES.pieceSize);
    for (const photo of photos) await receiver.client.fetch(photo).done;
    // Stopped with the document's download under way (its get refused as the stop ends it).
    const stopping = receiver.client.stop();
    gate.reject(new StorageError("E_BACKEND_UNREACHABLE", "stopping (test)"));
    await stopping;
    await doc.done.catch(() => undefined);

    // Started again under a quota that holds both photos, but not both beside the temp file.
    const lowered = 200 * KiB;
    videoGets = -1;
    gate = heldGate();
    const again = await startClient({ backend, quotaBytes: lowered, piecesInFlight: 1, jobsInFlight: 1, dir: receiver.dir, statePath: receiver.statePath, dataDir: receiver.dataDir });
    try {
      expect(again.client.jobs().find((j) => j.id === job.id)?.state, "the video waits behind the document").toBe("queued");
      expect(again.client.usage().partialBytes).toBe(partSize);
      // Before: the temp file uncounted, both photos stayed beside it, 296 KiB on disk under 200 KiB.
      expect(bytesKeptIn(again.dataDir), "bytes on disk once started").toBeLessThanOrEqual(lowered);
    } finally {
      gate.resolve();
    }
    const result = (await again.client.job(job.id).done) as FetchResult;
    expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(video));
    expect(again.client.usage()).toMatchObject({ partialBytes: 0, reservedBytes: 0 });
    expect(bytesKeptIn(again.dataDir)).toBeLessThanOrEqual(lowered);
  });
});
