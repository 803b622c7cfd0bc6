/**
 * docs/storage.md (Quota): least recently used cached files are evicted to make room, passing over
 * those being served and those the OS will not remove now. Eviction looked only at the 64 least
 * recently used entries: when all of those were being served (a gallery's cached photos, held while
 * each is checked) or could not be removed (EBUSY), a download was refused or kept waiting though
 * the cache held other files that could go.
 */
import type { PathLike } from "node:fs";
import { describe, expect, test, vi } from "vitest";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

const fault = vi.hoisted(() => ({ paths: new Set<string>() }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const unlinkSync = (path: PathLike): void => {
    if (fault.paths.has(String(path))) {
      throw Object.assign(new Error(`EBUSY: resource busy or locked, unlink '${String(path)}'`), { code: "EBUSY", errno: -16, syscall: "unlink", path: String(path) });
    }
    real.unlinkSync(path);
  };
  return { ...real, default: { ...real, unlinkSync }, unlinkSync };
});

const cidOf = (i: number): string => `c${String(i).padStart(4, "0")}`;

describe("eviction looks past the least recently used files that cannot go now", () => {
  test("the 70 least recently used of 80 files being served: a reservation evicts one of the other ten", async () => {
    const { store, cached } = await cacheStoreFixture(800);
    const paths = Array.from({ length: 80 }, (_, i) => cached(cidOf(i), 10));
    const unholds = Array.from({ length: 70 }, (_, i) => store.hold(cidOf(i)));
    const reservation = store.reserve(10);
    expect(reservation.bytes).toBe(10);
    expect(store.pathOf(cidOf(70)), "the least recently used file not being served").toBeUndefined();
    expect(store.pathOf(cidOf(0))).toBe(paths[0]);
    expect(store.usage()).toMatchObject({ usedBytes: 790, reservedBytes: 10 });
    for (const unhold of unholds) unhold();
  });

  test("the 70 least recently used of 80 files open elsewhere (EBUSY): a reservation evicts one of the other ten", async () => {
    const { store, cached } = await cacheStoreFixture(800);
    const paths = Array.from({ length: 80 }, (_, i) => cached(cidOf(i), 10));
    for (const path of paths.slice(0, 70)) fault.paths.add(path);
    try {
      const reservation = store.reserve(10);
      expect(reservation.bytes).toBe(10);
      expect(store.pathOf(cidOf(70))).toBeUndefined();
      expect(store.usage()).toMatchObject({ usedBytes: 790, reservedBytes: 10 });
    } finally {
      fault.paths.clear();
    }
  });

  test("a download waiting for room behind served files is given it at once when files past the first 64 could go", async () => {
    const { store, cached } = await cacheStoreFixture(800);
    for (let i = 0; i < 80; i++) cached(cidOf(i), 10);
    const unholds = Array.from({ length: 70 }, (_, i) => store.hold(cidOf(i)));
    const reservation = store.reserveOrWait(10, "new-content");
    expect(reservation?.bytes, "room given without waiting for the served files").toBe(10);
    for (const unhold of unholds) unhold();
  });
});
