/**
 * docs/storage.md (Limits, Quota; Errors): least recently used cached files are evicted to make room,
 * and E_QUOTA_EXCEEDED means pinned files leave no room. Room other downloads have reserved for the
 * moment is neither: it becomes a cached file, evictable, once they end. A chat's three images
 * opened at once under a quota that holds two failed the third with E_QUOTA_EXCEEDED ("raise the
 * quota, wait for uploads"), a fatal error the app does not retry; with one pinned file (a failed
 * share's) the same happened to two at once under the default two jobs in flight. It now waits
 * for their room, and evicts the least recently used file once they are done.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, onTestFinished, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { bytesKeptIn, KiB, sha256Hex, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Resolves once `count` gets have reached the backend, which holds them until `open` is called. */
function heldGets(backend: InstrumentedBackend, count: number): { reached: Promise<void>; open: () => void } {
  let seen = 0;
  let reachedAll!: () => void;
  const reached = new Promise<void>((resolve) => (reachedAll = resolve));
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  backend.beforeGet = async () => {
    if (++seen === count) reachedAll();
    await gate;
  };
  // Opened however the test ends (before the client's stop, registered earlier: it waits for the gets held).
  onTestFinished(() => opened());
  return { reached, open: opened };
}

describe("room reserved by other downloads is waited for, not refused", () => {
  test("three images fetched into the cache at once under a quota that holds two (three jobs in flight): all three are delivered, the quota kept", async () => {
    const sender = await startClient();
    const contents = [0, 1, 2].map(() => randomBytes(100 * KiB));
    const refs: Uint8Array[] = [];
    for (const [i, bytes] of contents.entries()) refs.push((await sender.client.share({ bytes, fileName: `img${i}.jpg` }).done).reference);
    const backend = new InstrumentedBackend(sender.backend);
    const receiver = await startClient({ backend, quotaBytes: 250 * KiB, jobsInFlight: 3 });
    // Two downloads hold their room while their pieces are on the way.
    const gets = heldGets(backend, 2);
    const jobs = refs.map((ref) => receiver.client.fetch(ref));
    const outcomes = Promise.allSettled(jobs.map((job) => job.done));
    await gets.reached;
    gets.open();
    const settled = await outcomes;

    expect(settled.map((s) => (s.status === "rejected" ? (s.reason as StorageError).code : "done"))).toEqual(["done", "done", "done"]);
    // The last one delivered is on disk with its bytes; the cache stays within the quota.
    const last = settled[2] as PromiseFulfilledResult<{ path: string }>;
    expect(sha256Hex(readFileSync(last.value.path))).toBe(sha256Hex(contents[2] as Buffer));
    expect(receiver.client.usage().usedBytes).toBeLessThanOrEqual(250 * KiB);
    expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(250 * KiB);
    expect(receiver.client.usage().reservedBytes).toBe(0);
  });

  test("a download waiting for room is cancelled at once and leaves nothing reserved or waiting", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `v${i}.mp4` }).done).reference);
    const backend = new InstrumentedBackend(sender.backend);
    const receiver = await startClient({ backend, quotaBytes: 150 * KiB });
    const gets = heldGets(backend, 1);
    const first = receiver.client.fetch(refs[0] as Uint8Array);
    await gets.reached;
    const second = receiver.client.fetch(refs[1] as Uint8Array);
    // Its run has started and is waiting for the first one's room.
    await new Promise((resolve) => setTimeout(resolve, 50));
    receiver.client.cancel(second.id);
    await expect(second.done).rejects.toMatchObject({ code: "E_ABORTED" });
    gets.open();
    await first.done;
    expect(receiver.client.usage()).toMatchObject({ usedBytes: 100 * KiB, reservedBytes: 0 });
  });

  test("a stop while a download waits for room ends the wait: stop() returns, and the next start delivers the file", async () => {
    const sender = await startClient();
    const contents = [0, 1].map(() => randomBytes(100 * KiB));
    const refs: Uint8Array[] = [];
    for (const [i, bytes] of contents.entries()) refs.push((await sender.client.share({ bytes, fileName: `p${i}.jpg` }).done).reference);
    const backend = new InstrumentedBackend(sender.backend);
    const receiver = await startClient({ backend, quotaBytes: 150 * KiB });
    const gets = heldGets(backend, 1);
    const first = receiver.client.fetch(refs[0] as Uint8Array);
    await gets.reached;
    const second = receiver.client.fetch(refs[1] as Uint8Array);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = receiver.client.stop();
    gets.open();
    await stopping;
    await Promise.allSettled([first.done, second.done]);
    await expect(second.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });

    backend.beforeGet = undefined;
    const again = await startClient({ backend, quotaBytes: 150 * KiB, dir: receiver.dir });
    const resumed = again.client.job(second.id);
    const got = await (resumed.done as Promise<{ path: string }>);
    expect(sha256Hex(readFileSync(got.path))).toBe(sha256Hex(contents[1] as Buffer));
  });
});
