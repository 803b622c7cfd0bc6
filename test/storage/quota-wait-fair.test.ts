/**
 * Waits for room under the quota are first come, first served. Woken all at once, each waiter
 * looked for itself, and a transfer asking as another ended took the room first: a steady stream
 * of photos, two at a time (a queue slot and the small-job lane), kept a video's download waiting
 * for as long as the stream lasted, since each photo alone left the video too little room. Now only
 * the head of the queue takes room as it frees; a small transfer may take what is free past it, one
 * at a time, so the head waits for at most one more small transfer.
 */
import { describe, expect, test } from "vitest";
import type { Reservation } from "../../src/storage/cache-store.js";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a wait for room under the quota is served in turn", () => {
  test("a stream of small downloads, each asking as another ends, does not keep a big one waiting: it is served once the room it needs is freed", async () => {
    const { store } = await cacheStoreFixture(300);
    const stop = new AbortController();
    // Under way: a photo in a queue slot, then a video that needs 200 (only 190 free beside it).
    const held: Reservation[] = [await store.reserveWhenFree(110, "photo0", stop.signal, "photo 0")];
    let video: Reservation | undefined;
    const bigWait = store.reserveWhenFree(200, "video", stop.signal, "video").then((r) => (video = r));
    await turn();
    expect(video).toBeUndefined();
    // The lane's photo takes free room past it (it may overtake, and fits).
    held.push(await store.reserveWhenFree(110, "photo1", stop.signal, "photo 1", true));
    const later: Promise<Reservation>[] = [];
    let servedAt: number | undefined;
    for (let i = 2; i < 40 && servedAt === undefined; i++) {
      // The oldest photo under way ends, and the next one (slot and lane in turn) asks at once.
      held.shift()?.release();
      const next = store.reserveWhenFree(110, `photo${i}`, stop.signal, `photo ${i}`, i % 2 === 1);
      let granted: Reservation | undefined;
      void next.then((r) => (granted = r));
      await turn();
      if (granted !== undefined) held.push(granted);
      else later.push(next);
      if (video !== undefined) servedAt = i;
    }
    // Before: never, the room going each time to the photo that asked as another ended.
    expect(servedAt, "the photo whose end gave the video its room").toBeLessThanOrEqual(3);
    await bigWait;
    expect(store.usage().reservedBytes).toBeLessThanOrEqual(300);
    // The photos that waited behind it are served in turn once it has its file.
    for (const r of held) r.release();
    (video as Reservation).release();
    const rest = await Promise.all(later);
    expect(rest.map((r) => r.bytes)).toEqual(rest.map(() => 110));
    for (const r of rest) r.release();
    expect(store.usage()).toMatchObject({ reservedBytes: 0, waitingForRoom: 0 });
  });

  test("one small transfer at a time takes room past a waiter: a second waits its turn", async () => {
    const { store } = await cacheStoreFixture(300);
    const stop = new AbortController();
    const first = store.reserve(100, "a");
    const order: string[] = [];
    const big = store.reserveWhenFree(250, "big", stop.signal, "big").then((r) => (order.push("big"), r));
    const lane = await store.reserveWhenFree(50, "lane", stop.signal, "lane", true);
    const share = store.reserveWhenFree(50, "share", stop.signal, "photo share", true).then((r) => (order.push("share"), r));
    await turn();
    expect(order).toEqual([]);
    expect(store.usage()).toMatchObject({ reservedBytes: 150, waitingForRoom: 2 });
    first.release();
    lane.release();
    await turn();
    expect(order).toEqual(["big", "share"]);
    (await big).release();
    (await share).release();
    expect(store.usage()).toMatchObject({ reservedBytes: 0, waitingForRoom: 0 });
  });

  test("a transfer that needs no room (its content already kept) is not held behind a waiter", async () => {
    const { store, cached } = await cacheStoreFixture(300);
    cached("kept", 60);
    const first = store.reserve(200, "a");
    const stop = new AbortController();
    const big = store.reserveWhenFree(150, "big", stop.signal, "big");
    expect((await store.reserveWhenFree(60, "kept", stop.signal, "the same photo again")).bytes).toBe(0);
    first.release();
    (await big).release();
  });

  test("the head waiter cancelled: the one behind it is served at once if it fits", async () => {
    const { store } = await cacheStoreFixture(300);
    const first = store.reserve(150, "a");
    const cancel = new AbortController();
    const stop = new AbortController();
    const big = store.reserveWhenFree(200, "big", cancel.signal, "big");
    let small: Reservation | undefined;
    void store.reserveWhenFree(100, "small", stop.signal, "small").then((r) => (small = r));
    await turn();
    expect(small, "waits behind the big one").toBeUndefined();
    cancel.abort();
    await expect(big).rejects.toMatchObject({ code: "E_ABORTED" });
    await turn();
    expect(small?.bytes).toBe(100);
    small?.release();
    first.release();
    expect(store.usage()).toMatchObject({ reservedBytes: 0, waitingForRoom: 0 });
  });

  test("a share that can never fit beside pinned files is refused at once, even behind a waiter", async () => {
    const { store, cached } = await cacheStoreFixture(300);
    cached("spooled", 200, true);
    const first = store.reserve(50, "a");
    const stop = new AbortController();
    const waiting = store.reserveWhenFree(90, "b", stop.signal, "b");
    expect(() => store.reserveOrWait(150, "c")).toThrow(expect.objectContaining({ code: "E_QUOTA_EXCEEDED" }));
    first.release();
    (await waiting).release();
  });
});
