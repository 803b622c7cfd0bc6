/**
 * A download (or a share of bytes) waiting for room under the quota (reserveWhenFree) looked again
 * only when reserved room was given back or a served file was handed out. Room freed otherwise
 * (an upload done, whose spooled file becomes evictable) did not wake it:
 * an image opened while a long video downloaded waited for the whole video (up to its 30-minute
 * deadline on a slow link), though the room had been there since the upload ended.
 */
import { describe, expect, test } from "vitest";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

/** Whether `promise` has settled once pending callbacks and I/O of this turn have run. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe("a wait for room under the quota wakes when room is freed", () => {
  test("an upload ends (its spooled file unpinned) while another download holds reserved room: the waiting download takes its room at once", async () => {
    const { store, cached } = await cacheStoreFixture(300);
    cached("spooled", 100, true);
    const video = store.reserve(100, "video");
    const stop = new AbortController();
    const image = store.reserveWhenFree(150, "image", stop.signal, "download of an image");
    expect(await settledSoon(image), "waits while the spooled file is pinned").toBe(false);
    store.unpin("spooled");
    expect(await settledSoon(image), "the spooled file is evictable now").toBe(true);
    expect((await image).bytes).toBe(150);
    expect(store.pathOf("spooled")).toBeUndefined();
    expect(store.usage()).toMatchObject({ usedBytes: 0, reservedBytes: 250 });
    video.release();
  });

});
