/**
 * The room queue under the quota (cache-store.ts), reviewed against docs/storage.md: a wait asked
 * with a signal that has already fired, and the kept temp file of a download into the cache whose
 * room is taken in its place by a reservation that needs no room of its own.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createMetrics, silentLogger } from "../../src/obs/index.js";
import { openState } from "../../src/state/index.js";
import { CacheStore, type Reservation } from "../../src/storage/cache-store.js";
import { CacheJournal } from "../../src/storage/journal/cache-journal.js";
import { StorageError } from "../../src/storage/index.js";
import { storageMetrics } from "../../src/storage/storage-metrics.js";
import { CURRENT_PROTOCOL, profileFor } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";
import { cacheStoreFixture } from "./support/cache-store-fixture.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a promise has settled to after a few turns of the event loop, or "pending". */
async function settled<T>(pending: Promise<T>): Promise<T | unknown> {
  let outcome: { value: T | unknown } | undefined;
  pending.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { value: error }),
  );
  for (let i = 0; i < 5 && outcome === undefined; i++) await turn();
  return outcome === undefined ? "pending" : outcome.value;
}

/** A gauge's value in the metrics text. */
function gauge(text: string, name: string): number {
  const full = `status_compat_${name}`;
  const line = text.split("\n").find((l) => l.split(" ")[0] === full);
  if (line === undefined) throw new Error(`no ${full} in the metrics`);
  return Number(line.slice(full.length + 1));
}

describe("the room queue under the quota", () => {
  test("a wait asked with a signal that has already fired ends at once with its typed abort, and leaves no waiter (it never settled)", async () => {
    const { store } = await cacheStoreFixture(100);
    const held = store.reserve(80, "a");
    const cancelled = new AbortController();
    cancelled.abort();
    const outcome = await settled(store.reserveWhenFree(50, "b", cancelled.signal, "download b"));
    expect(outcome).toBeInstanceOf(StorageError);
    expect((outcome as StorageError).code).toBe("E_ABORTED");
    expect(store.usage()).toMatchObject({ waitingForRoom: 0, reservedBytes: 80 });
    // The room that frees later is not handed to it.
    held.release();
    expect(store.usage()).toMatchObject({ waitingForRoom: 0, reservedBytes: 0 });
  });

  test("a share's wait asked after its cancel (reserveUnlessStopped) ends at once with the cancel, not held for good", async () => {
    const { store } = await cacheStoreFixture(100);
    const held = store.reserve(80, "a");
    const turnSignal = new AbortController();
    turnSignal.abort();
    const outcome = await settled(store.reserveUnlessStopped(50, "b", turnSignal.signal, new AbortController().signal, "spooling b"));
    expect((outcome as StorageError).code).toBe("E_ABORTED");
    held.release();
  });

  test("the partial-downloads gauge follows a kept temp file whose room another job of its content already reserved (it stayed at the file's size)", async () => {
    const home = tempDir("scc-quota-review-");
    const state = await openState({ path: join(home, "state.db"), level: profileFor(CURRENT_PROTOCOL).stateLevel });
    try {
      const metrics = createMetrics();
      const store = new CacheStore(new CacheJournal(state.db), 1000, { clock: { now: () => Date.UTC(2026, 5, 1) }, metrics: storageMetrics(metrics), log: silentLogger() });
      store.keepPart("job-1", 300);
      expect(gauge(await metrics.text(), "storage_cache_partial_bytes")).toBe(300);
      // Another job of the same content holds its room: job-1's run shares it, and its temp file stops counting.
      const other = store.reserve(400, "content");
      const stop = new AbortController();
      const shared: Reservation = await store.reserveWhenFree(400, "content", stop.signal, "download job-1", false, "job-1");
      expect(store.usage().partialBytes).toBe(0);
      expect(gauge(await metrics.text(), "storage_cache_partial_bytes")).toBe(store.usage().partialBytes);
      shared.release();
      other.release();
    } finally {
      state.db.close();
    }
  });
});
