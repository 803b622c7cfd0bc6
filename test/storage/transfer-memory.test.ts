/**
 * The piece buffers of every transfer together are bounded client-wide (transferMemoryBytes). Per
 * job they are bounded by piecesInFlight, but a received reference may have pieces as large as
 * maxPieceBytes (a sender whose pieces are the whole file): measured before this test, two
 * downloads and four slow streams of 50 MiB one-piece files held 1,098 MB of RSS, over the 1000 MB
 * a client may use while transferring. The bytes the client's buffer pool has lent are counted
 * exactly, by wrapping that pool's take and give (every call goes to the real one).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FAST_RETRY, MiB, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { countLent } from "./support/lent-bytes.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** `count` files of 1 MiB shared in one piece each (the sender's pieceSize is the file), over a store whose gets take a while. */
async function onePieceFiles(count: number) {
  const sender = await startClient({ pieceSize: MiB });
  const store = new InstrumentedBackend(sender.backend);
  // Every transfer is still on its way while the others start: they overlap.
  store.beforeGet = () => new Promise((r) => setTimeout(r, 30));
  const files = Array.from({ length: count }, (_, i) => writeRandomFile(sender.dir, `video-${i}.mp4`, MiB));
  const references: Uint8Array[] = [];
  for (const { path } of files) references.push((await sender.client.share({ path }).done).reference);
  return { store, files, references };
}

async function streamed(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash("sha256");
  for await (const part of stream) hash.update(part);
  return hash.digest("hex");
}

describe("transfer memory, client-wide", () => {
  test("downloads and streams of one-piece files at once never hold more piece buffers than transferMemoryBytes, and every file comes back whole", async () => {
    const { store, files, references } = await onePieceFiles(8);
    const budget = 5 * MiB;
    const { client, dir } = await startClient({ backend: store, transferMemoryBytes: budget });
    const lent = countLent(client);
    const fetched = references.slice(0, 4).map((ref, i) => client.fetch(ref, { out: join(dir, `out-${i}.mp4`) }).done);
    const streams = references.slice(4).map((ref) => streamed(client.fetchStream(ref)));
    const paths = (await Promise.all(fetched)).map((r) => r.path);
    expect(paths.map((p) => sha256Hex(readFileSync(p)))).toEqual(files.slice(0, 4).map((f) => sha256Hex(f.bytes)));
    expect(await Promise.all(streams)).toEqual(files.slice(4).map((f) => sha256Hex(f.bytes)));
    expect(lent.now).toBe(0);
    expect(lent.peak).toBeGreaterThan(0);
    expect(lent.peak).toBeLessThanOrEqual(budget);
  });

  test("a transfer that needs more than the whole budget runs alone, one after the other, and each ends", async () => {
    const { store, files, references } = await onePieceFiles(3);
    // A download of a 1 MiB one-piece file needs a sealed and a plaintext buffer: about 2 MiB.
    const { client, dir } = await startClient({ backend: store, transferMemoryBytes: MiB });
    const lent = countLent(client);
    const results = await Promise.all(references.map((ref, i) => client.fetch(ref, { out: join(dir, `out-${i}.mp4`) }).done));
    expect(results.map((r) => sha256Hex(readFileSync(r.path)))).toEqual(files.map((f) => sha256Hex(f.bytes)));
    expect(lent.peak).toBeLessThanOrEqual(2 * (MiB + (MiB / 4096) * 16));
  });

  test("a stream paused while a download waits for transfer memory gives its memory up after pausedStreamYieldMs; read again, it goes on and ends whole", async () => {
    const { store, files, references } = await onePieceFiles(2);
    // Room for one transfer at a time.
    const { client, dir } = await startClient({ backend: store, transferMemoryBytes: 3 * MiB, retry: { ...FAST_RETRY, pausedStreamYieldMs: 50 } });
    const stream = client.fetchStream(references[0] as Uint8Array);
    const hash = createHash("sha256");
    const first = await stream.next();
    hash.update(first.value as Buffer);
    // Paused at its first chunk (a preview left open): the download must not wait for it to be read again.
    const download = await client.fetch(references[1] as Uint8Array, { out: join(dir, "out.mp4") }).done;
    expect(sha256Hex(readFileSync(download.path))).toBe(sha256Hex(files[1]!.bytes));
    for await (const part of stream) hash.update(part);
    expect(hash.digest("hex")).toBe(sha256Hex(files[0]!.bytes));
  });

  test("a stream reserves only its sealed window: the last piece waits sealed for the file hash (cc979af), so two one-piece streams fit a budget of two sealed pieces", async () => {
    const { store, files, references } = await onePieceFiles(2);
    const sealed = MiB + (MiB / 4096) * 16;
    // Room for two sealed pieces, not for a sealed and a plaintext piece each.
    const { client } = await startClient({ backend: store, transferMemoryBytes: 2 * sealed + 1024, retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000 } });
    const paused = client.fetchStream(references[0] as Uint8Array);
    const hash = createHash("sha256");
    hash.update((await paused.next()).value as Buffer);
    // Paused (a preview left open, not giving its memory up for a minute): the second stream must not wait for it.
    const second = streamed(client.fetchStream(references[1] as Uint8Array));
    const waited = new Promise<string>((r) => setTimeout(() => r("waited for the paused stream's memory"), 5_000).unref());
    expect(await Promise.race([second, waited])).toBe(sha256Hex(files[1]!.bytes));
    for await (const part of paused) hash.update(part);
    expect(hash.digest("hex")).toBe(sha256Hex(files[0]!.bytes));
  });

  test("transferMemoryBytes that is not a positive number of bytes is refused at start with a RangeError naming it", async () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      await expect(startClient({ transferMemoryBytes: bad })).rejects.toThrow(/transferMemoryBytes/);
    }
  });

  test("a download that waited for transfer memory longer than its deadline still runs once memory is free: the wait is not the transfer's time", async () => {
    const { store, files, references } = await onePieceFiles(2);
    // A paused stream that does not give up in this test holds the only room there is.
    const { client, dir } = await startClient({ backend: store, transferMemoryBytes: 3 * MiB, retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000, deadlineMs: 2_000 } });
    const stream = client.fetchStream(references[0] as Uint8Array);
    const hash = createHash("sha256");
    hash.update((await stream.next()).value as Buffer);
    const job = client.fetch(references[1] as Uint8Array, { out: join(dir, "out.mp4") });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(client.job(job.id).state).toBe("queued");
    for await (const part of stream) hash.update(part);
    expect(hash.digest("hex")).toBe(sha256Hex(files[0]!.bytes));
    const done = await job.done;
    expect(sha256Hex(readFileSync(done.path))).toBe(sha256Hex(files[1]!.bytes));
  });

  test("a download waiting for transfer memory when the client stops is kept queued (E_CLIENT_CLOSED) and done by the next start", async () => {
    const { store, files, references } = await onePieceFiles(2);
    const first = await startClient({ backend: store, transferMemoryBytes: 3 * MiB, retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000 } });
    const stream = first.client.fetchStream(references[0] as Uint8Array);
    await stream.next();
    const job = first.client.fetch(references[1] as Uint8Array, { out: join(first.dir, "out.mp4") });
    await first.client.stop();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    const second = await startClient({ dir: first.dir, backend: store, transferMemoryBytes: 3 * MiB });
    const done = await second.client.job(job.id).done;
    expect(sha256Hex(readFileSync((done as { path: string }).path))).toBe(sha256Hex(files[1]!.bytes));
  });
});
