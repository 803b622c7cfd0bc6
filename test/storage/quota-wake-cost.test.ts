/**
 * Every freed reservation wakes every download waiting for room, and each looked again through
 * reserve(), which, the cache being full, first looks at every cached file on disk (one stat each)
 * before finding it still short: 100 downloads waiting beside a cache of 2,000 files held the main
 * thread about 1.5 s per freed reservation (an app frozen each time a download ended). A woken
 * waiter that still cannot fit (pinned and served files and the room still reserved leave too
 * little) now waits on without that look. Counted, not timed: the stats a wake costs.
 */
import type { PathLike } from "node:fs";
import { describe, expect, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

const probe = vi.hoisted(() => ({ stats: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const statSync = ((path: PathLike, options?: object) => {
    probe.stats++;
    return real.statSync(path, options as never);
  }) as typeof real.statSync;
  return { ...real, default: { ...real, statSync }, statSync };
});

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a freed reservation beside many waiting downloads", () => {
  test("100 downloads that still cannot fit look at no cached file when a reservation is given back; those that fit take their room at the next", async () => {
    const { store, cached } = await cacheStoreFixture(10_000);
    cached("spooled", 5_000, true);
    for (let i = 0; i < 300; i++) cached(`c${i}`, 10);
    const video = store.reserve(3_000, "video");
    const stop = new AbortController();
    // Each needs 2100: beside the spooled file's 5000 and the video's 3000, too much until the video ends.
    const waiting = Array.from({ length: 100 }, (_, i) => store.reserveWhenFree(2_100, `image${i}`, stop.signal, `download ${i}`));
    const got: number[] = [];
    for (const [i, w] of waiting.entries()) w.then(() => got.push(i), () => undefined);
    await turn();
    const small = store.reserve(1, "thumbnail");
    probe.stats = 0;
    small.release();
    await turn();
    expect(got).toEqual([]);
    expect(probe.stats, "stats made by 100 woken waiters still short").toBe(0);
    video.release();
    await turn();
    expect(got, "two fit beside the spooled file once the video's room is back").toHaveLength(2);
    expect(store.usage().reservedBytes).toBe(4_200);
    stop.abort();
    const ended = await Promise.allSettled(waiting);
    expect(ended.filter((e) => e.status === "rejected")).toHaveLength(98);
    for (const e of ended) if (e.status === "fulfilled") e.value.release();
    expect(store.usage().reservedBytes).toBe(0);
  });
});

describe("a freed reservation when the state cannot be read", () => {
  test("the release does not throw (it runs in its transfer's clean-up); the waiting download hears a typed error", async () => {
    const { store, cached, state } = await cacheStoreFixture(300);
    cached("spooled", 100, true);
    const video = store.reserve(150, "video");
    const stop = new AbortController();
    const image = store.reserveWhenFree(100, "image", stop.signal, "download of an image");
    await turn();
    state.db.close();
    expect(() => video.release()).not.toThrow();
    await expect(image).rejects.toBeInstanceOf(StorageError);
  });
});
