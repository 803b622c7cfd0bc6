/**
 * A download needing room beside a cached file the OS will not remove now (on Windows, a video
 * still open in the player: EBUSY, 8cfed7a) and room another download reserved failed at once with
 * the OS's refusal, E_LOCAL_IO "…the operating system refused unlink; check free space and
 * permissions…", though the reserved room ends as an evictable file and the download fits beside
 * the open one then: docs/storage.md says the refusal is the error only when no other file could
 * make the room, and that a download waits for room other transfers reserved. It now waits.
 */
import { writeFileSync, type PathLike } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

const fault = vi.hoisted(() => ({ path: "" }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const unlinkSync = (path: PathLike): void => {
    if (fault.path !== "" && String(path) === fault.path) {
      throw Object.assign(new Error(`EBUSY: resource busy or locked, unlink '${String(path)}'`), { code: "EBUSY", errno: -16, syscall: "unlink", path: String(path) });
    }
    real.unlinkSync(path);
  };
  return { ...real, default: { ...real, unlinkSync }, unlinkSync };
});

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a download waiting beside a cached file that cannot be removed now", () => {
  test("an open video and another download's reserved room: the download waits, and takes the room the other one's file leaves evictable", async () => {
    const { store, cached, dir } = await cacheStoreFixture(300);
    fault.path = cached("video", 100);
    try {
      const other = store.reserve(150, "other");
      const stop = new AbortController();
      const image = store.reserveWhenFree(100, "image", stop.signal, "download of an image");
      let outcome = "waiting";
      image.then(
        () => (outcome = "room"),
        (error: { code?: string; message?: string }) => (outcome = `${error.code}: ${error.message}`),
      );
      await turn();
      expect(outcome).toBe("waiting");
      // The other download ends: its file is counted (evictable), its reservation settled.
      writeFileSync(join(dir, "other"), Buffer.alloc(150));
      store.add("other", join(dir, "other"), 150, false);
      other.release();
      await turn();
      expect(outcome).toBe("room");
      expect(store.pathOf("video"), "the open video, passed over").toBeDefined();
      expect(store.pathOf("other")).toBeUndefined();
      (await image).release();
    } finally {
      fault.path = "";
    }
  });

  test("an open video and a cached image being checked and handed out: the download waits, and evicts the image once handed out", async () => {
    const { store, cached } = await cacheStoreFixture(300);
    fault.path = cached("video", 100);
    try {
      cached("photo", 150);
      const unhold = store.hold("photo");
      const stop = new AbortController();
      let outcome = "waiting";
      const image = store.reserveWhenFree(100, "image", stop.signal, "download of an image");
      image.then(
        () => (outcome = "room"),
        (error: { code?: string; message?: string }) => (outcome = `${error.code}: ${error.message}`),
      );
      await turn();
      expect(outcome).toBe("waiting");
      unhold();
      await turn();
      expect(outcome).toBe("room");
      expect(store.pathOf("photo")).toBeUndefined();
      (await image).release();
    } finally {
      fault.path = "";
    }
  });

  test("an open video leaving too little room even once the other download ends: refused at once with the OS's refusal", async () => {
    const { store, cached } = await cacheStoreFixture(300);
    fault.path = cached("video", 250);
    try {
      const other = store.reserve(50, "other");
      const stop = new AbortController();
      await expect(store.reserveWhenFree(100, "image", stop.signal, "download of an image")).rejects.toMatchObject({ code: "E_LOCAL_IO" });
      other.release();
    } finally {
      fault.path = "";
    }
  });
});
