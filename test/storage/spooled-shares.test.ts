/**
 * Shares of bytes (not a path) are spooled to a file named by their content, so the same bytes
 * shared twice (a photo forwarded to a second chat) use one spool file. Each upload must keep it
 * for as long as that upload needs it.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { bytesKeptIn, expectSentOrSourceChanged, KiB, localStore, spoolWritesPending, startClient, uploading, writeRandomFile } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { photoSharedWithReopenable, reopenable, slowPuts } from "./support/reopenable-client.js";

/** A 100 KiB photo a sender shared (`received`) over an instrumented store in a fresh folder, and a started receiving client there. */
async function photoSharedWithClient(options: Partial<StorageClientOptions> = {}) {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const sender = await startClient({ backend });
  const bytes = randomBytes(100 * KiB);
  const received = (await sender.client.share({ bytes, fileName: "photo.jpg" }).done).reference;
  const { client, dataDir } = await startClient({ dir, backend, ...options });
  return { backend, bytes, received, client, dataDir };
}

/**
 * A client with room (150 KiB) for one of two 100 KiB files, over an instrumented store in a fresh
 * folder, and `other`: the reference of a 100 KiB file `sender` shared over that store.
 */
async function tightClientAndOtherFile(options: Partial<StorageClientOptions> = {}) {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const sender = await startClient({ backend });
  const other = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "other.jpg" }).done).reference;
  const { client, dataDir } = await startClient({ dir, backend, quotaBytes: 150 * KiB, ...options });
  return { dir, backend, sender, other, client, dataDir };
}

/**
 * Forwards the file at `path` with every put held: it must not be evicted while the forward is
 * pending (a fetch of `other`, which has room only if it goes, fails E_QUOTA_EXCEEDED). The forward
 * then finishes.
 */
async function expectForwardKeepsItsFile(client: StorageClient, backend: InstrumentedBackend, path: string, other: Uint8Array): Promise<void> {
  const puts = gate();
  backend.beforePut = () => puts.wait;
  const forward = client.share({ path });
  try {
    await uploading(forward);
    // Room for the other file only if the forwarded one goes: it must not while its upload needs it.
    await expect(client.fetch(other).done).rejects.toMatchObject({ code: "E_QUOTA_EXCEEDED" });
  } finally {
    puts.open();
  }
  await expect(forward.done).resolves.toMatchObject({ jobId: forward.id });
}

/**
 * Holds every put (until `puts.open()`) and starts a 10 KiB upload that waits there: on a client
 * with one job in flight, every share made after it waits its turn.
 */
async function holdUploadsBehindBlocker(client: StorageClient, backend: InstrumentedBackend, dir: string) {
  const puts = gate();
  backend.beforePut = () => puts.wait;
  // More than one piece: a small file would run in the queue's lane for small jobs and hold no one back.
  const blocker = client.share({ path: writeRandomFile(dir, "blocker.bin", 40 * KiB).path });
  await uploading(blocker);
  return { puts, blocker };
}

/** Shares 100 KiB from memory, then the user opens it: the cache hit is its spooled copy, whose path fetch hands out. */
async function sentAndOpened(client: StorageClient): Promise<{ bytes: Buffer; path: string }> {
  const bytes = randomBytes(100 * KiB);
  const sent = (await client.share({ bytes, fileName: "photo.jpg" }).done).reference;
  const { path, fromCache } = await client.fetch(sent).done;
  expect(fromCache).toBe(true);
  return { bytes, path };
}

/** The spooling of shares of bytes under way (each settles once its share is queued or has failed); private: a peek for tests. */
function spoolingOf(client: StorageClient): Array<Promise<void>> {
  return [...(client as unknown as { session: { spooling: Set<Promise<void>> } }).session.spooling];
}

/** The upload queue's gauges in the client's registry: jobs waiting and running (undefined: no series). */
async function uploadsQueuedAndRunning(client: StorageClient): Promise<{ queued?: number; running?: number }> {
  const text = await client.metrics.text();
  const value = (series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`status_compat_${series}{kind="upload"} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  return { queued: value("storage_queue_depth"), running: value("storage_jobs_active") };
}

describe("uploads that share one spool file", () => {
  test("the first upload of the same bytes to finish does not unpin the spool file a second, pending upload still needs", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    // Room for the spooled bytes and a reservation of their size, not for them and the other file.
    const { client } = await startClient({ dir, backend, quotaBytes: 200 * KiB, jobsInFlight: 1 });
    // A file to fetch into the cache later, under quota pressure.
    const other = (await client.share({ path: writeRandomFile(dir, "other.bin", 110 * KiB).path }).done).reference;
    const blocker = writeRandomFile(dir, "blocker.bin", 10 * KiB);
    const blockerPiece = 10 * KiB + 3 * 16; // its one sealed piece: 10 KiB in 4 KiB chunks, a tag each
    const puts = gate();
    const blocked = gate();
    backend.beforePut = (bytes) => (bytes.byteLength === blockerPiece ? blocked.wait : puts.wait);

    const bytes = randomBytes(100 * KiB);
    const first = client.share({ bytes, fileName: "photo.jpg" });
    await uploading(first);
    await until(() => client.usage().reservedBytes === 0, "the first spool's reservation to be released");
    // Queued behind the first (one job at a time), then the second share of the same bytes behind it.
    const middle = client.share({ path: blocker.path });
    const second = client.share({ bytes, fileName: "photo.jpg" });
    await until(() => client.jobs().filter((j) => j.kind === "upload").length === 4, "the second share's journal row");
    puts.open();
    await first.done;
    // The first is done; the second has not run yet. A fetch into the cache needs room now.
    const fetched = await client.fetch(other).done.then(
      () => "fetched",
      (e: { code?: string }) => e.code,
    );
    blocked.open();
    await middle.done;
    // The second upload's source was still pinned: it was not evicted for the fetch, and the upload finishes.
    await expect(second.done).resolves.toMatchObject({ jobId: second.id });
    expect(fetched).toBe("E_QUOTA_EXCEEDED");
  });

  test("sharing the same bytes again while the first upload is interrupted does not replace its source: both resume and finish", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    // Slow, so the stop below finds the first upload mid-way.
    const putsAsked = slowPuts(backend);
    const options = reopenable(dir, backend);
    const a = await StorageClient.open(options);
    const bytes = randomBytes(100 * KiB);
    const first = a.share({ bytes, fileName: "photo.jpg" });
    // The first upload has started sealing (its source identity is recorded).
    await until(() => putsAsked() > 0, "the first upload's first put");
    const second = a.share({ bytes, fileName: "photo.jpg" });
    await until(() => a.jobs().length === 2, "the second share's journal row");
    await a.stop();
    await expect(first.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await expect(second.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });

    backend.beforePut = undefined;
    const b = await StorageClient.open(options);
    try {
      await expect(b.job(first.id).done).resolves.toMatchObject({ jobId: first.id });
      await expect(b.job(second.id).done).resolves.toMatchObject({ jobId: second.id });
    } finally {
      await b.stop();
    }
  });

  test("a share of bytes cancelled while it is still being spooled is cancelled: nothing is uploaded, nothing resumes", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client, statePath, dataDir } = await startClient({ dir, backend });
    const job = client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" });
    job.cancel();
    await expect(job.done).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(client.jobs()).toEqual([expect.objectContaining({ id: job.id, state: "cancelled" })]);
    // Settled once its spool work ended: had that queued the upload, the upload queue would count it now.
    expect(await uploadsQueuedAndRunning(client)).toEqual({ queued: 0, running: 0 });
    // A stop ends every spool work and run there is: no put comes after it.
    await client.stop();
    expect(backend.puts).toBe(0);
    // Cancelled before its spool write began (right after share() returned): its bytes were never
    // spooled, so nothing is kept or counted (spool-cancel-at-once.test.ts); before, they were
    // written anyway and kept, unpinned, under the quota.
    const db = new Database(statePath, { readonly: true });
    try {
      expect(db.prepare(`SELECT size, pinned FROM cache_entries`).all()).toEqual([]);
    } finally {
      db.close();
    }
    const again = await startClient({ dir, backend, statePath, dataDir });
    // The start has queued every job it resumes: this one is not among them, still cancelled, and no upload is queued or running.
    expect(again.client.jobs()).toEqual([expect.objectContaining({ id: job.id, state: "cancelled" })]);
    expect(await uploadsQueuedAndRunning(again.client)).toEqual({ queued: 0, running: 0 });
    expect(readdirSync(join(dataDir, "spool")).filter((n) => n.endsWith(".part"))).toEqual([]);
    await again.client.stop();
    expect(backend.puts).toBe(0);
  });

  test("a share of bytes whose spooling the client's stop cut short stays in the journal and resumes on the next start, like any running job (its spool file counted and kept meanwhile)", async () => {
    const dir = tempDir();
    const backend = localStore(join(dir, "store"));
    const { client, statePath, dataDir } = await startClient({ dir, backend });
    const bytes = randomBytes(100 * KiB);
    const job = client.share({ bytes, fileName: "photo.jpg" });
    await client.stop();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    const files = readdirSync(join(dataDir, "spool"));
    const db = new Database(statePath, { readonly: true });
    try {
      const entries = db.prepare(`SELECT cid, pinned FROM cache_entries`).all() as { cid: string; pinned: number }[];
      expect(entries.map((e) => e.cid).sort()).toEqual(files.sort());
      expect(entries.every((e) => e.pinned === 1)).toBe(true);
    } finally {
      db.close();
    }
    const again = await startClient({ dir, backend, statePath, dataDir });
    expect(again.client.jobs()).toEqual([expect.objectContaining({ id: job.id, kind: "upload" })]);
    const { reference } = (await again.client.job(job.id).done) as { reference: Uint8Array };
    const back = await again.client.fetch(reference, { out: join(dir, "back.jpg") }).done;
    expect(readFileSync(back.path).equals(bytes)).toBe(true);
  });
});

describe("forwarding a cached download by its path", () => {
  test("a received file shared on by the path fetch gave (forwarded) is not evicted while that upload is pending, and is evictable once it is done", async () => {
    const { backend, sender, other, client } = await tightClientAndOtherFile();
    const received = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" }).done).reference;
    const { path } = await client.fetch(received).done;
    await expectForwardKeepsItsFile(client, backend, path, other);
    backend.beforePut = undefined;
    await expect(client.fetch(other).done).resolves.toMatchObject({ fromCache: false });
  });

  test("a file the client sent from memory, fetched back (a cache hit on its spooled copy) and forwarded by that path, is not evicted while the forward is pending", async () => {
    const { backend, other, client } = await tightClientAndOtherFile();
    // The user opens the photo they sent: the spooled copy is the cache hit, and its path is handed out.
    const { bytes, path } = await sentAndOpened(client);
    await expectForwardKeepsItsFile(client, backend, path, other);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    backend.beforePut = undefined;
    await expect(client.fetch(other).done).resolves.toMatchObject({ fromCache: false });
  });
});

/**
 * A received photo in the cache of client `a` (over a store another client shared it to), and every
 * later put slowed (slowPuts). `options` reopens `a`'s journal.
 */
async function receivedFileWithSlowPuts() {
  const dir = tempDir();
  const { backend, bytes, received, options, a } = await photoSharedWithReopenable(dir, 100 * KiB);
  const { path } = await a.fetch(received).done;
  return { dir, backend, bytes, options, a, path, putsAsked: slowPuts(backend) };
}

/**
 * Stops `a` with the uploads mid-way (each rejects E_CLIENT_CLOSED and the received file is intact),
 * reopens its journal with puts at full speed, and runs `resumed` on the new client.
 */
async function stopThenResume(
  setup: Awaited<ReturnType<typeof receivedFileWithSlowPuts>>,
  uploads: readonly { done: Promise<unknown> }[],
  resumed: (b: StorageClient) => Promise<void>,
): Promise<void> {
  await setup.a.stop();
  for (const upload of uploads) await expect(upload.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  expect(readFileSync(setup.path).equals(setup.bytes)).toBe(true);
  setup.backend.beforePut = undefined;
  const b = await StorageClient.open(setup.options);
  try {
    await resumed(b);
  } finally {
    await b.stop();
  }
}

/** Holds the first get asked for until `first.open()`; later gets go through. `gets()` counts them. */
function holdFirstGet(backend: InstrumentedBackend) {
  const first = gate();
  let gets = 0;
  backend.beforeGet = () => {
    gets++;
    return gets === 1 ? first.wait : undefined;
  };
  return { first, gets: () => gets };
}

describe("the same file fetched twice at once, forwarded as soon as the first fetch ends", () => {
  test("the second download's end does not replace the file the forward reads: the forward resumes after a stop and finishes", async () => {
    const dir = tempDir();
    const { backend, bytes, received, options, a } = await photoSharedWithReopenable(dir, 300 * KiB);
    try {
      // Shown in two chats at once: two fetches. The second one waits for the first download (one download
      // writes to a cached file at a time), then checks the file it left, which the forward below reads.
      const { first, gets } = holdFirstGet(backend);
      const one = a.fetch(received);
      await until(() => gets() === 1, "the first fetch's first get");
      const two = a.fetch(received);
      first.open();
      const { path } = await one.done;
      const putsAsked = slowPuts(backend);
      const forward = a.share({ path });
      await until(() => putsAsked() > 0, "the forward's first put");
      await expect(two.done).resolves.toMatchObject({ path, fromCache: true });
      await a.stop();
      await expect(forward.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      backend.beforePut = undefined;
      backend.beforeGet = undefined;
      const b = await StorageClient.open(options);
      try {
        await expect(b.job(forward.id).done).resolves.toMatchObject({ jobId: forward.id });
        expect(readFileSync(path).equals(bytes)).toBe(true);
        expect(b.usage().usedBytes).toBe(bytesKeptIn(join(dir, "d")));
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
    }
  });
});

describe("the same file fetched twice at once, the first copy written to while a forward of it is pending", () => {
  test("the second fetch still gives the verified bytes", async () => {
    // One piece in flight: the second get asked for is the second fetch's first.
    const { backend, bytes, received, client } = await photoSharedWithClient({ piecesInFlight: 1 });
    const { first, gets } = holdFirstGet(backend);
    const puts = gate();
    try {
      const one = client.fetch(received);
      await until(() => gets() >= 1, "the first fetch's first get");
      const two = client.fetch(received);
      backend.beforePut = () => puts.wait;
      // As soon as the first fetch hands out its path, before the second (waiting for that download) checks
      // the file: forwarded, and an editor writes to the received photo in place.
      const forwarded = one.done.then(({ path }) => {
        const forward = client.share({ path });
        editInPlace(path, bytes, 10);
        return forward;
      });
      first.open();
      const forward = await forwarded;
      const got = await two.done;
      // It found the file written to and downloaded it again.
      expect(got.fromCache).toBe(false);
      expect(readFileSync(got.path).equals(bytes)).toBe(true);
      puts.open();
      await forward.done.catch(() => undefined);
    } finally {
      first.open();
      puts.open();
    }
  });
});

describe("sharing bytes a pending forward already holds", () => {
  test("a share of the bytes of a received file whose forward is pending keeps the forward's source: both resume after a stop and finish, and every file on disk is counted once", async () => {
    const setup = await receivedFileWithSlowPuts();
    const { dir, bytes, a, path, putsAsked } = setup;
    const forward = a.share({ path });
    await until(() => putsAsked() > 0, "the forward's first put");
    // The application shares the same photo again, from the bytes it holds.
    const again = a.share({ bytes, fileName: "photo.jpg" });
    await uploading(again);
    await stopThenResume(setup, [forward, again], async (b) => {
      await expect(b.job(forward.id).done).resolves.toMatchObject({ jobId: forward.id });
      const { reference } = (await b.job(again.id).done) as { reference: Uint8Array };
      const back = await b.fetch(reference, { out: join(dir, "back.jpg") }).done;
      expect(readFileSync(back.path).equals(bytes)).toBe(true);
      // Nothing on disk the quota does not count, nothing counted twice.
      expect(b.usage().usedBytes).toBe(bytesKeptIn(join(dir, "d")));
    });
  });
});

describe("forwarding a received file while a share of its bytes is being spooled", () => {
  test("the forward started in the same turn as the share of the same bytes keeps its source: both resume after a stop and finish, every file on disk counted once", async () => {
    const setup = await receivedFileWithSlowPuts();
    const { dir, bytes, a, path, putsAsked } = setup;
    // Sent to one chat from the bytes the app holds, forwarded to another by the received file's path.
    const again = a.share({ bytes, fileName: "photo.jpg" });
    const forward = a.share({ path });
    await until(() => putsAsked() > 0, "the first put");
    await stopThenResume(setup, [forward, again], async (b) => {
      await expect(b.job(forward.id).done).resolves.toMatchObject({ jobId: forward.id });
      await expect(b.job(again.id).done).resolves.toMatchObject({ jobId: again.id });
      expect(b.usage().usedBytes).toBe(bytesKeptIn(join(dir, "d")));
    });
  });
});

describe("a download into the cache of bytes spooled meanwhile", () => {
  test("a received file whose bytes were shared (and spooled) while it downloaded is not left on disk uncounted: the fetch gives a readable path, and the quota counts every file there", async () => {
    const { backend, bytes, received, client, dataDir } = await photoSharedWithClient();
    const gets = gate();
    backend.beforeGet = () => gets.wait;
    const fetching = client.fetch(received);
    try {
      await until(() => backend.gets > 0, "the download's first get");
      // The user shares the same photo from memory while it downloads: its bytes are spooled.
      const sharing = client.share({ bytes, fileName: "photo.jpg" });
      await until(() => readdirSync(join(dataDir, "spool")).some((n) => !n.startsWith(".")) && client.usage().usedBytes > 0, "the spooled copy");
      gets.open();
      const got = await fetching.done;
      expect(readFileSync(got.path).equals(bytes)).toBe(true);
      await sharing.done;
    } finally {
      gets.open();
      backend.beforeGet = undefined;
    }
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
  });
});

describe("a spool file the application wrote to", () => {
  test("sharing the same bytes again after the app edited the spooled copy fetch gave it (same size) sends the bytes given, not the edited file", async () => {
    const { client, dir, dataDir } = await startClient();
    // The user opens the photo they sent (the spooled copy is the cache hit) and an editor writes to it in place.
    const { bytes, path } = await sentAndOpened(client);
    editInPlace(path, bytes, 500);
    const { reference } = await client.share({ bytes, fileName: "photo.jpg" }).done;
    const back = await client.fetch(reference, { out: join(dir, "back.jpg") }).done;
    expect(readFileSync(back.path).equals(bytes)).toBe(true);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
  });
});

describe("a spool file the application writes to after a share of its bytes kept it", () => {
  test("the share sends the bytes given or fails E_SOURCE_CHANGED, never the edited file", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, jobsInFlight: 1 });
    const bytes = randomBytes(100 * KiB);
    const first = (await client.share({ bytes, fileName: "photo.jpg" }).done).reference;
    const { path } = await client.fetch(first).done;
    // One upload at a time, the first one held: the share below waits its turn.
    const { puts } = await holdUploadsBehindBlocker(client, backend, dir);
    try {
      const job = client.share({ bytes, fileName: "photo.jpg" });
      // Its bytes found in the spool file, kept.
      await until(() => spoolWritesPending(client) === 0, "the share's spool write");
      editInPlace(path, bytes, 10);
      puts.open();
      await expectSentOrSourceChanged(client, job, bytes, join(dir, "back.jpg"));
    } finally {
      puts.open();
    }
  });
});

describe("a download of bytes whose pinned spool file vanished or changed size", () => {
  test.each([
    ["removed behind the client's back (an OS cache cleaner)", (path: string) => rmSync(path)],
    ["written to by the app (it grew)", (path: string) => appendFileSync(path, "edited")],
  ])("spool file %s while an upload of it is pending: fetch gives a file holding the bytes, and the quota counts the files on disk", async (_what, spoil) => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client, dataDir } = await startClient({ dir, backend });
    const bytes = randomBytes(100 * KiB);
    const sent = (await client.share({ bytes, fileName: "photo.jpg" }).done).reference;
    const puts = gate();
    backend.beforePut = () => puts.wait;
    // Sent again (to another chat): it reads the same spool file, pinned while it is pending.
    const again = client.share({ bytes, fileName: "photo.jpg" });
    try {
      await uploading(again);
      spoil(join(dataDir, "spool", readdirSync(join(dataDir, "spool")).find((n) => !n.startsWith(".")) as string));
      const got = await client.fetch(sent).done;
      expect(existsSync(got.path) && readFileSync(got.path).equals(bytes)).toBe(true);
    } finally {
      puts.open();
    }
    await again.done.catch(() => undefined);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
  });
});

describe("an upload of a spool file the cache no longer names", () => {
  test("cancelling it does not unpin the received file of the same content that a pending forward reads", async () => {
    const { dir, backend, other, client, dataDir } = await tightClientAndOtherFile({ jobsInFlight: 1 });
    const bytes = randomBytes(100 * KiB);
    const sent = (await client.share({ bytes, fileName: "photo.jpg" }).done).reference;
    // One upload at a time, the first one held: every later one waits its turn.
    const { puts, blocker } = await holdUploadsBehindBlocker(client, backend, dir);
    try {
      // Sent again from memory: it will read the spool file, which the app then writes to (it grew).
      const again = client.share({ bytes, fileName: "photo.jpg" });
      // Its bytes placed (the spool file kept as it is).
      await until(() => spoolWritesPending(client) === 0, "the second share's spool write");
      const spooled = join(dataDir, "spool", readdirSync(join(dataDir, "spool")).find((n) => !n.startsWith(".")) as string);
      appendFileSync(spooled, "edited");
      // The photo is fetched again (downloaded into the cache) and forwarded by that path.
      const { path } = await client.fetch(sent).done;
      const forward = client.share({ path });
      again.cancel();
      await expect(again.done).rejects.toMatchObject({ code: "E_ABORTED" });
      // Room for the other file only if the forwarded one goes: it must not while its upload needs it.
      await expect(client.fetch(other).done).rejects.toMatchObject({ code: "E_QUOTA_EXCEEDED" });
      puts.open();
      await blocker.done;
      await expect(forward.done).resolves.toMatchObject({ jobId: forward.id });
      expect(readFileSync(path).equals(bytes)).toBe(true);
    } finally {
      puts.open();
    }
  });
});

describe("spooling that the disk refuses", () => {
  test("a share of bytes whose spool write fails rejects with E_LOCAL_IO naming the spool, not a raw OS error", async () => {
    const { client, dataDir } = await startClient();
    // The spool directory is gone and a file stands in its way: every write there fails.
    rmSync(join(dataDir, "spool"), { recursive: true, force: true });
    writeFileSync(join(dataDir, "spool"), "not a directory");
    const outcome = await client.share({ bytes: randomBytes(10 * KiB), fileName: "a.bin" }).done.catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StorageError);
    expect(outcome).toMatchObject({ code: "E_LOCAL_IO" });
    expect(client.usage()).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
  });

  test("a failed spool write of bytes a received file held before the app edited it leaves that file evictable", async () => {
    const dir = tempDir();
    const backend = localStore(join(dir, "store"));
    const sender = await startClient({ backend });
    const bytes = randomBytes(100 * KiB);
    const received = (await sender.client.share({ bytes, fileName: "photo.jpg" }).done).reference;
    const other = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "other.jpg" }).done).reference;
    const { client, dataDir } = await startClient({ dir, backend, quotaBytes: 150 * KiB });
    const { path } = await client.fetch(received).done;
    editInPlace(path, bytes, 0);
    rmSync(join(dataDir, "spool"), { recursive: true, force: true });
    writeFileSync(join(dataDir, "spool"), "not a directory");
    await expect(client.share({ bytes, fileName: "photo.jpg" }).done).rejects.toMatchObject({ code: "E_LOCAL_IO" });
    // Nothing reads the received file: room for the other one is made by evicting it.
    await expect(client.fetch(other).done).resolves.toMatchObject({ fromCache: false });
  });
});

/**
 * Runs `run` while the state database refuses `jobsWrite` on upload_jobs and every unpin of a kept
 * file (a full disk), by triggers on the real file, dropped afterwards.
 */
async function whileJournalRefuses(statePath: string, jobsWrite: "INSERT" | "UPDATE", run: () => Promise<void>): Promise<void> {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_jobs BEFORE ${jobsWrite} ON upload_jobs BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  db.exec(`CREATE TRIGGER refuse_unpin BEFORE UPDATE ON cache_entries WHEN NEW.pinned = 0 BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  try {
    await run();
  } finally {
    db.exec(`DROP TRIGGER refuse_jobs`);
    db.exec(`DROP TRIGGER refuse_unpin`);
    db.close();
  }
}

/** Shares `bytes`; the result reads what its job came to, recorded as it settles ("never settled" until then; a refusal from share() itself counts as its job's). */
function sharedRecording(client: StorageClient, bytes: Uint8Array): () => unknown {
  let outcome: unknown = "never settled";
  const record = (value: unknown) => (outcome = value);
  try {
    client.share({ bytes, fileName: "a.bin" }).done.then(record, record);
  } catch (error) {
    record(error);
  }
  return () => outcome;
}

describe("a share of bytes on a journal that refuses writes", () => {
  test("its job still settles with the journal's E_LOCAL_IO when the spool file cannot be unpinned either (no hang, no unhandled rejection)", async () => {
    const { client, statePath } = await startClient();
    const bytes = randomBytes(10 * KiB);
    await client.share({ bytes, fileName: "a.bin" }).done;
    await whileJournalRefuses(statePath, "INSERT", async () => {
      const outcome = sharedRecording(client, bytes);
      // No timer: stop() waits for every share's intake and spooling, and every run, to end; a job still
      // pending once it has is one nothing will settle.
      await client.stop();
      expect(outcome()).toMatchObject({ code: "E_LOCAL_IO" });
    });
  });
});

describe("a share of bytes whose spooling the journal refuses", () => {
  test("its job settles with E_LOCAL_IO when neither its failure nor the spool file's unpin can be written (no hang, no unhandled rejection)", async () => {
    const { client, statePath, dataDir } = await startClient();
    const bytes = randomBytes(10 * KiB);
    // The bytes' spool file stays, counted: the next share of them pins it and journals its row, then
    // fails off the caller's turn writing it anew (a folder stands in its way).
    await client.share({ bytes, fileName: "a.bin" }).done;
    const spooled = join(dataDir, "spool", cidOfDigest(createHash("sha256").update(bytes).digest()));
    rmSync(spooled);
    mkdirSync(join(spooled, "inside"), { recursive: true });
    await whileJournalRefuses(statePath, "UPDATE", async () => {
      const outcome = sharedRecording(client, bytes);
      // The share's spooling, started in share(): once it has ended (either way), a job still pending is one nothing will settle.
      await Promise.allSettled(spoolingOf(client));
      expect(outcome()).toMatchObject({ code: "E_LOCAL_IO" });
    });
  });
});

describe("a spool write whose rename fails", () => {
  test("leaves no temp file in the spool directory (it was removed only at a start an hour later)", async () => {
    const { client, dataDir } = await startClient();
    const bytes = randomBytes(10 * KiB);
    // Something in the way of the spool file's name (a directory): the rename onto it fails.
    const cid = cidOfDigest(createHash("sha256").update(bytes).digest());
    mkdirSync(join(dataDir, "spool", cid, "inside"), { recursive: true });
    await expect(client.share({ bytes, fileName: "a.bin" }).done).rejects.toMatchObject({ code: "E_LOCAL_IO" });
    expect(readdirSync(join(dataDir, "spool")).filter((n) => n.endsWith(".part"))).toEqual([]);
  });
});
