/**
 * A stream whose consumer holds it paused (a video preview opened and left) must not keep the
 * client's stream slots from everyone else: once paused past pausedStreamYieldMs while another
 * stream waits, it gives its slot (and its read-ahead buffers) up, takes one again when read, and
 * then goes on from where it was, verified as before.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const YIELD_MS = 150;
/** Short, so a stream that waits for a slot held by a paused one fails the test quickly instead of hanging it. */
const DEADLINE_MS = 4_000;

async function readAll(stream: AsyncGenerator<Buffer, void, undefined>, first: Buffer[] = []): Promise<Buffer> {
  const parts = [...first];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

async function sharedFile(client: StorageClient, dir: string, name: string, size: number): Promise<{ reference: Uint8Array; bytes: Buffer; pieces: number }> {
  const { path, bytes } = writeRandomFile(dir, name, size);
  const { reference, view } = await client.share({ path }).done;
  return { reference, bytes, pieces: view.pieces.length };
}

describe("a paused fetchStream and the stream slots", () => {
  test("with one stream slot, a stream paused after its first chunk lets another stream read a whole file, and then reads the rest of its own", async () => {
    const { client, dir } = await startClient({ streamsInFlight: 1, retry: { ...FAST_RETRY, deadlineMs: DEADLINE_MS, pausedStreamYieldMs: YIELD_MS } });
    const video = await sharedFile(client, dir, "video.bin", 300 * KiB);
    const photo = await sharedFile(client, dir, "photo.bin", 100 * KiB);
    const preview = client.fetchStream(video.reference);
    const first = await preview.next();
    expect(first.done).toBe(false);
    // The preview is left paused; the next file is streamed meanwhile.
    expect((await readAll(client.fetchStream(photo.reference))).equals(photo.bytes)).toBe(true);
    expect((await readAll(preview, [first.value as Buffer])).equals(video.bytes)).toBe(true);
  });

  test.each([
    ["in the middle of a piece", (size: number, read: number) => read >= 80 * KiB],
    ["in the held-back last piece (after the file hash matched)", (size: number, read: number) => read > size - 10 * KiB],
  ])("a stream paused %s gives its slot up to another and goes on from the next byte afterwards", async (_where, pauseAt) => {
    const store = new InstrumentedBackend(localStore(join(tempDir(), "store")), "http://127.0.0.1/store");
    const { client, dir } = await startClient({ backend: store, streamsInFlight: 1, retry: { ...FAST_RETRY, deadlineMs: DEADLINE_MS, pausedStreamYieldMs: YIELD_MS } });
    const video = await sharedFile(client, dir, "video.bin", 300 * KiB);
    const photo = await sharedFile(client, dir, "photo.bin", 50 * KiB);
    const preview = client.fetchStream(video.reference);
    const head: Buffer[] = [];
    let read = 0;
    while (!pauseAt(video.bytes.byteLength, read)) {
      const step = await preview.next();
      expect(step.done).toBe(false);
      head.push(step.value as Buffer);
      read += (step.value as Buffer).byteLength;
    }
    const before = store.gets;
    expect((await readAll(client.fetchStream(photo.reference))).equals(photo.bytes)).toBe(true);
    const photoGets = store.gets - before;
    expect((await readAll(preview, head)).equals(video.bytes)).toBe(true);
    // The preview fetched the piece it was in again: it had given its buffers up with the slot.
    expect(store.gets - before - photoGets).toBeGreaterThanOrEqual(1);
  });

  test("a stream paused after its last chunk, before it was asked for the end, fetches nothing again to end", async () => {
    const store = new InstrumentedBackend(localStore(join(tempDir(), "store")), "http://127.0.0.1/store");
    const { client, dir } = await startClient({ backend: store, streamsInFlight: 1, retry: { ...FAST_RETRY, pausedStreamYieldMs: YIELD_MS } });
    const video = await sharedFile(client, dir, "video.bin", 100 * KiB);
    const photo = await sharedFile(client, dir, "photo.bin", 20 * KiB);
    const preview = client.fetchStream(video.reference);
    const parts: Buffer[] = [];
    while (Buffer.concat(parts).byteLength < video.bytes.byteLength) parts.push((await preview.next()).value as Buffer);
    const before = store.gets;
    expect((await readAll(client.fetchStream(photo.reference))).equals(photo.bytes)).toBe(true);
    const afterPhoto = store.gets;
    expect(await preview.next()).toMatchObject({ done: true });
    expect(store.gets).toBe(afterPhoto);
    expect(afterPhoto - before).toBe(photo.pieces);
    expect(Buffer.concat(parts).equals(video.bytes)).toBe(true);
  });

  test("six streams on one slot, each paused after its first chunk (single-piece files too, whose chunks are held until the file hash matched), are all read whole afterwards in reverse order", async () => {
    const { client, dir } = await startClient({ streamsInFlight: 1, retry: { ...FAST_RETRY, deadlineMs: DEADLINE_MS * 3, pausedStreamYieldMs: YIELD_MS } });
    const files = [];
    for (let i = 0; i < 6; i++) files.push(await sharedFile(client, dir, `f${i}.bin`, i % 2 === 0 ? 150 * KiB : 20 * KiB));
    expect(files[0]?.pieces).toBeGreaterThan(2);
    expect(files[1]?.pieces).toBe(1);
    const opened = [];
    for (const file of files) {
      const stream = client.fetchStream(file.reference);
      const first = await stream.next();
      expect(first.done).toBe(false);
      opened.push({ stream, first: first.value as Buffer, file });
    }
    for (const { stream, first, file } of opened.reverse()) expect((await readAll(stream, [first])).equals(file.bytes)).toBe(true);
  }, 30_000);

  test("a stream paused with nobody waiting keeps its slot and what it read ahead: nothing is fetched twice", async () => {
    const store = new InstrumentedBackend(localStore(join(tempDir(), "store")), "http://127.0.0.1/store");
    const { client, dir } = await startClient({ backend: store, streamsInFlight: 1, retry: { ...FAST_RETRY, pausedStreamYieldMs: YIELD_MS } });
    const video = await sharedFile(client, dir, "video.bin", 300 * KiB);
    const before = store.gets;
    const stream = client.fetchStream(video.reference);
    const first = await stream.next();
    await sleep(YIELD_MS * 4);
    expect((await readAll(stream, [first.value as Buffer])).equals(video.bytes)).toBe(true);
    expect(store.gets - before).toBe(video.pieces);
  });

  test.each([
    ["before the paused one gave its slot up", 60_000],
    ["after the paused one gave its slot up", 1],
  ])("stop() %s: the paused stream and the waiting one both end with E_CLIENT_CLOSED, nothing hangs", async (_when, yieldMs) => {
    const { client, dir } = await startClient({ streamsInFlight: 1, retry: { ...FAST_RETRY, pausedStreamYieldMs: yieldMs } });
    const video = await sharedFile(client, dir, "video.bin", 300 * KiB);
    const paused = client.fetchStream(video.reference);
    expect((await paused.next()).done).toBe(false);
    const waiting = client.fetchStream(video.reference);
    const first = waiting.next();
    await sleep(50);
    await client.stop();
    await expect(first.then(() => readAll(waiting))).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await expect(readAll(paused)).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  });

  test("return() on a paused stream while another waits hands the slot over at once", async () => {
    const { client, dir } = await startClient({ streamsInFlight: 1, retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000 } });
    const video = await sharedFile(client, dir, "video.bin", 300 * KiB);
    const paused = client.fetchStream(video.reference);
    expect((await paused.next()).done).toBe(false);
    const next = readAll(client.fetchStream(video.reference));
    await sleep(20);
    await paused.return();
    expect((await next).equals(video.bytes)).toBe(true);
  });
});
