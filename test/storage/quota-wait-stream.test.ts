/**
 * docs/storage.md (Limits, Quota): a download waiting for room under the quota is served first come,
 * first served. Two photos under way at a time (a queue slot and the small-job lane), each leaving a
 * video too little room, used to keep it waiting for as long as photos kept arriving: each time one
 * ended, the video woke to find the next photo had taken the room. Now the photo that asks while the
 * video waits waits behind it (the lane's may take free room past it, one at a time), and the video
 * gets its room once the photos under way when it asked have ended.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, onTestFinished, test } from "vitest";
import { until } from "../support/until.js";
import { FAST_RETRY, KiB, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { RecordingBackend } from "./support/recording-backend.js";

const PIECES = { chunkSize: 4 * KiB, pieceSize: 128 * KiB } as const;
const RETRY = { ...FAST_RETRY, attemptTimeoutMs: 120_000, deadlineMs: 600_000 } as const;

describe("a big download in a stream of small ones", () => {
  test("photos fetched two at a time, each one alone leaving a video too little room, do not keep the video waiting: it gets its room once the photos under way when it asked end", async () => {
    const store = new RecordingBackend((await startClient()).backend);
    const sender = await startClient({ backend: store, ...PIECES, retry: RETRY });
    const video = (await sender.client.share({ bytes: randomBytes(200 * KiB), fileName: "video.mp4" }).done).reference;
    const videoPieces = new Set(store.cids);
    const photos: Uint8Array[] = [];
    for (let i = 0; i < 14; i++) photos.push((await sender.client.share({ bytes: randomBytes(110 * KiB), fileName: `photo${i}.jpg` }).done).reference);

    // The photos' gets are held until the test lets each through, oldest first; the video's go through.
    const backend = new InstrumentedBackend(store);
    const held: (() => void)[] = [];
    let holding = true;
    let videoFetching = false;
    backend.beforeGet = async (cid) => {
      if (videoPieces.has(cid)) {
        videoFetching = true;
        return;
      }
      if (!holding) return;
      await new Promise<void>((resolve) => held.push(resolve));
    };
    const letAllThrough = (): void => {
      holding = false;
      for (const open of held.splice(0)) open();
    };
    const receiver = await startClient({ backend, quotaBytes: 300 * KiB, jobsInFlight: 2, ...PIECES, retry: RETRY });
    // However the test ends, before the receiver's stop (registered earlier, run later), which waits for the gets held.
    onTestFinished(letAllThrough);

    // A photo in a slot, then the video in the other (only 190 KiB free beside the photo), then the
    // stream, whose first photo takes the lane beside them.
    const jobs = [receiver.client.fetch(photos[0] as Uint8Array), receiver.client.fetch(video)];
    for (const photo of photos.slice(1)) jobs.push(receiver.client.fetch(photo));
    const outcomes = Promise.allSettled(jobs.map((job) => job.done));

    let photosEnded = 0;
    for (let round = 0; round < 10; round++) {
      // Two photos under way, or one while the next waits for room: the oldest ends.
      await until(() => videoFetching || held.length >= 2 || (held.length >= 1 && receiver.client.usage().waitingForRoom >= 2), "a photo under way", { tries: 3_000 });
      if (videoFetching) break;
      held.shift()?.();
      photosEnded++;
    }
    // Before: still waiting after ten photos had ended, the stream always a photo ahead of it.
    expect(videoFetching, "the video has its room").toBe(true);
    // The two under way when it asked, and at most one the lane started meanwhile, which took free
    // room past it while the slot's photo still ran (two when the lane's photo was the first to end).
    expect(photosEnded, "photos ended before the video had its room").toBeLessThanOrEqual(3);

    letAllThrough();
    const settled = await outcomes;
    expect(settled.map((s) => s.status)).toEqual(jobs.map(() => "fulfilled"));
    expect(receiver.client.usage()).toMatchObject({ reservedBytes: 0, waitingForRoom: 0 });
    expect(receiver.client.usage().usedBytes).toBeLessThanOrEqual(300 * KiB);
  });
});
