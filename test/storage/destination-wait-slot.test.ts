/**
 * A download waiting for another download to its destination (the same `out`, or the same content
 * into the cache) waited in the queue slot it had been given: with `jobsInFlight` such waiters, an
 * unrelated download queued after them waited for the first one's whole download. A waiter now
 * gives its slot up while it waits and takes one back (before any job still queued) once the
 * destination is free.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import type { FetchResult } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

// Several pieces each: no job fits the queue's lane for small ones, so only the slots can run them.
const SIZE = 4 * SMALL_PIECES.pieceSize;

/** A sender's photo and video, and a receiver (two jobs at once) whose gets of the photo's pieces wait at a gate after the first. */
async function setup() {
  const dir = tempDir("scc-wait-slot-");
  const store = localStore(join(dir, "store"));
  const sender = await startClient({ dir, backend: store });
  const photo = writeRandomFile(dir, "photo.jpg", SIZE);
  const video = writeRandomFile(dir, "video.mp4", SIZE);
  const photoDone = await sender.client.share({ path: photo.path }).done;
  const videoDone = await sender.client.share({ path: video.path }).done;
  await sender.client.stop();
  const photoCids = new Set(photoDone.view.pieces.map((p) => p.cid));
  const backend = new InstrumentedBackend(store);
  const held = gate();
  let photoGets = 0;
  backend.beforeGet = async (cid) => {
    if (photoCids.has(cid) && ++photoGets > 1) await held.wait;
  };
  const receiver = await startClient({ dir: tempDir("scc-wait-slot-rx-"), backend, piecesInFlight: 1, jobsInFlight: 2 });
  // Registered after the client's stop, so run before it: a get held at the gate does not see the stop.
  onTestFinished(() => held.open());
  return { photo, video, photoRef: photoDone.reference, videoRef: videoDone.reference, held, receiver, photoGets: () => photoGets };
}

describe("a download waiting for its destination", () => {
  test.each([
    ["one fetch", 1],
    ["two fetches (as many as jobsInFlight)", 2],
  ])("%s waiting for the same out hold no queue slot: an unrelated download ends while the first is held", async (_name, waiters) => {
    const { photo, video, photoRef, videoRef, held, receiver, photoGets } = await setup();
    const folder = tempDir("scc-wait-slot-out-");
    const out = join(folder, "photo.jpg");
    const first = receiver.client.fetch(photoRef, { out });
    await until(() => photoGets() > 1, "the first download's second get");
    const later = Array.from({ length: waiters }, () => receiver.client.fetch(photoRef, { out }));
    const other = receiver.client.fetch(videoRef, { out: join(folder, "video.mp4") });
    let otherEnded = false;
    void other.done.then(
      () => (otherEnded = true),
      () => undefined,
    );
    await until(() => otherEnded, "the unrelated download to end while the first is held at the gate", { tries: 3000 });
    expect(readFileSync(join(folder, "video.mp4")).equals(video.bytes)).toBe(true);
    expect(receiver.client.job(first.id).state, "the first is still downloading").toBe("downloading");
    held.open();
    const ends = (await Promise.all([first.done, ...later.map((j) => j.done)])) as FetchResult[];
    for (const end of ends) expect(end).toMatchObject({ path: out, size: SIZE });
    expect(readFileSync(out).equals(photo.bytes)).toBe(true);
    // The waiters ended with the file the first put there: the photo was downloaded once.
    expect(photoGets(), "gets of the photo's pieces: one download's").toBe(SIZE / SMALL_PIECES.pieceSize);
    for (const job of later) expect(receiver.client.job(job.id).state).toBe("done");
  });

  test("one waiting for the same content into the cache holds no queue slot either", async () => {
    const { video, photoRef, videoRef, held, receiver, photoGets } = await setup();
    const first = receiver.client.fetch(photoRef);
    await until(() => photoGets() > 1, "the first download's second get");
    const second = receiver.client.fetch(photoRef);
    const other = receiver.client.fetch(videoRef, { out: join(tempDir("scc-wait-slot-out-"), "video.mp4") });
    let otherEnded = false;
    void other.done.then(
      () => (otherEnded = true),
      () => undefined,
    );
    await until(() => otherEnded, "the unrelated download to end while the first is held at the gate", { tries: 3000 });
    expect(readFileSync((await other.done).path).equals(video.bytes)).toBe(true);
    held.open();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(b).toMatchObject({ fromCache: true, path: a.path });
    expect(photoGets()).toBe(SIZE / SMALL_PIECES.pieceSize);
  });

  test("a waiter cancelled while it waits ends at once, cancelled, and the first goes on", async () => {
    const { photo, photoRef, held, receiver } = await setup();
    const out = join(tempDir("scc-wait-slot-out-"), "photo.jpg");
    const first = receiver.client.fetch(photoRef, { out });
    const waiting = [receiver.client.fetch(photoRef, { out }), receiver.client.fetch(photoRef, { out })];
    await until(() => receiver.client.job(first.id).state === "downloading", "the first download to run");
    receiver.client.cancel((waiting[0] as { id: string }).id);
    expect(((await waiting[0]?.done.catch((e: unknown) => e)) as { code: string }).code).toBe("E_ABORTED");
    held.open();
    await first.done;
    await waiting[1]?.done;
    expect(readFileSync(out).equals(photo.bytes)).toBe(true);
  });
});
