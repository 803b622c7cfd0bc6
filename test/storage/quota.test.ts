import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { decodeReference } from "../../src/storage/reference-codec.js";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { bytesKeptIn, KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A sender that shares `count` distinct files of `size` bytes and a receiver with `quotaBytes`. */
async function world(quotaBytes: number) {
  const sender = await startClient();
  const clock = { t: Date.UTC(2026, 0, 1) };
  const receiver = await startClient({ backend: sender.backend, quotaBytes, clock: { now: () => clock.t } });
  const share = async (size: number) => (await sender.client.share({ bytes: randomBytes(size), fileName: "f.bin" }).done).reference;
  return { sender, receiver, clock, share };
}

/** Four 100 KiB files shared to a receiver whose quota holds three; the first three fetched into its cache, one second apart (their LRU order). */
async function threeOfFourCached() {
  const w = await world(300 * KiB);
  const refs = [await w.share(100 * KiB), await w.share(100 * KiB), await w.share(100 * KiB), await w.share(100 * KiB)];
  const paths: string[] = [];
  for (const ref of refs.slice(0, 3)) {
    w.clock.t += 1000;
    paths.push((await w.receiver.client.fetch(ref).done).path);
  }
  return { ...w, refs, paths };
}

describe("storage quota with LRU eviction", () => {
  test("cached downloads stay under the quota; the least recently used one is evicted first", async () => {
    const { receiver, clock, refs, paths } = await threeOfFourCached();
    expect(receiver.client.usage().usedBytes).toBe(300 * KiB);
    // Use the oldest again: the second becomes the least recently used.
    clock.t += 1000;
    expect((await receiver.client.fetch(refs[0] as Uint8Array).done).fromCache).toBe(true);
    clock.t += 1000;
    const fourth = await receiver.client.fetch(refs[3] as Uint8Array).done;
    expect(existsSync(fourth.path)).toBe(true);
    expect(existsSync(paths[0] as string)).toBe(true);
    expect(existsSync(paths[1] as string)).toBe(false);
    expect(existsSync(paths[2] as string)).toBe(true);
    expect(receiver.client.usage().usedBytes).toBeLessThanOrEqual(300 * KiB);
    // The evicted file is simply downloaded again when asked for.
    expect((await receiver.client.fetch(refs[1] as Uint8Array).done).fromCache).toBe(false);
  });

  test("a file larger than the whole quota is refused with E_QUOTA_EXCEEDED and nothing is left behind", async () => {
    const { receiver, share } = await world(100 * KiB);
    const ref = await share(150 * KiB);
    const error = await receiver.client.fetch(ref).done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_QUOTA_EXCEEDED" });
    expect(receiver.client.usage().usedBytes).toBe(0);
  });

  test("a file that cannot fit even with every cached file gone is refused without evicting any of them", async () => {
    const { receiver, clock, share } = await world(300 * KiB);
    const small = await share(100 * KiB);
    const big = await share(350 * KiB);
    const cached = (await receiver.client.fetch(small).done).path;
    clock.t += 1000;
    await expect(receiver.client.fetch(big).done).rejects.toMatchObject({ code: "E_QUOTA_EXCEEDED" });
    expect(existsSync(cached)).toBe(true);
    expect(receiver.client.usage().usedBytes).toBe(100 * KiB);
    expect((await receiver.client.fetch(small).done).fromCache).toBe(true);
  });

  test("sharing bytes that are already cached (a received file forwarded) leaves one copy on disk, counted under the quota", async () => {
    const { sender, receiver } = await world(1024 * KiB);
    const bytes = randomBytes(100 * KiB);
    const { reference } = await sender.client.share({ bytes, fileName: "photo.jpg" }).done;
    await receiver.client.fetch(reference).done;
    await receiver.client.share({ bytes, fileName: "photo.jpg" }).done;
    const onDisk = bytesKeptIn(receiver.dataDir);
    expect(onDisk).toBe(100 * KiB);
    expect(receiver.client.usage().usedBytes).toBe(onDisk);
  });

  test("files spooled for a pending upload are pinned: never evicted; once uploaded they become evictable", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    backend.beforePut = () => gate;
    const { client } = await startClient({ dir, backend, quotaBytes: 250 * KiB });
    const pending = client.share({ bytes: randomBytes(200 * KiB), fileName: "pending.bin" });
    // Spooled (written and synced) in the background: wait for it rather than sleep (a loaded disk syncs slowly).
    await vi.waitFor(() => expect(client.usage().usedBytes).toBe(200 * KiB), { timeout: 10_000 });
    // Another share of 100 KiB does not fit beside the pinned 200 KiB, and the pinned one is not evicted for it.
    expect(() => client.share({ bytes: randomBytes(100 * KiB), fileName: "more.bin" })).toThrow(expect.objectContaining({ code: "E_QUOTA_EXCEEDED" }));
    expect(client.usage().usedBytes).toBe(200 * KiB);
    release();
    await pending.done;
    // Uploaded: now it may go to make room.
    await client.share({ bytes: randomBytes(100 * KiB), fileName: "more.bin" }).done;
    expect(client.usage().usedBytes).toBe(100 * KiB);
  });

  test("a download to the application's own file whose path merely begins like the cache directory is not cached: never counted, never evicted", async () => {
    const { receiver, clock, share } = await world(150 * KiB);
    const refs = [await share(100 * KiB), await share(100 * KiB)];
    // dataDir/cache-exports/… starts with the same characters as dataDir/cache, but is not in it.
    const out = join(receiver.dataDir, "cache-exports", "a.bin");
    await receiver.client.fetch(refs[0] as Uint8Array, { out }).done;
    expect(receiver.client.usage().usedBytes).toBe(0);
    clock.t += 1000;
    await receiver.client.fetch(refs[1] as Uint8Array).done;
    expect(existsSync(out)).toBe(true);
  });

  test("the quota comes from the quota_bytes setting when no option is given", async () => {
    const first = await startClient();
    await first.client.stop();
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(first.statePath);
    db.prepare(`INSERT INTO settings (key, value) VALUES ('quota_bytes', '12345')`).run();
    db.close();
    const again = await startClient({ dir: first.dir, statePath: first.statePath, backend: first.backend });
    expect(again.client.usage().quotaBytes).toBe(12345);
  });
});

describe("eviction while a cache hit is served", () => {
  test("a cache hit being checked is not evicted by a download that needs room at the same moment: the hit is served, the other download still fits", async () => {
    const { receiver, clock, share } = await world(300 * KiB);
    const cachedRef = await share(100 * KiB);
    const bigRef = await share(250 * KiB);
    const cached = await receiver.client.fetch(cachedRef).done;
    clock.t += 1000;
    // The hit is hashed again before it is served; meanwhile the other download reserves its room.
    const hit = receiver.client.fetch(cachedRef).done;
    const big = receiver.client.fetch(bigRef).done.then(
      () => "fetched",
      (e: { code?: string }) => e.code,
    );
    const served = await hit.then(
      (r) => ({ fromCache: r.fromCache, path: r.path, there: existsSync(r.path) }),
      (e: { code?: string }) => e.code,
    );
    expect(served).toEqual({ fromCache: true, path: cached.path, there: true });
    // It waits for the hit to be handed out, then evicts it (the only file that can go), as it would
    // had it come a moment later; it was refused E_QUOTA_EXCEEDED, blaming uploads there were none of.
    expect(await big).toBe("fetched");
  });
});

describe("cached files removed behind the client's back", () => {
  test("a cached file deleted by someone else (an OS cache cleaner) frees its room: it is not counted, and no file still on disk is evicted in its place", async () => {
    const { receiver, clock, refs, paths } = await threeOfFourCached();
    rmSync(paths[2] as string);
    clock.t += 1000;
    await receiver.client.fetch(refs[3] as Uint8Array).done;
    expect(paths.map((p) => existsSync(p))).toEqual([true, true, false]);
    expect(receiver.client.usage().usedBytes).toBe(300 * KiB);
  });

  test("after a restart, usage() counts only the cached files still on disk", async () => {
    const { receiver, share } = await world(300 * KiB);
    const paths = [(await receiver.client.fetch(await share(100 * KiB)).done).path, (await receiver.client.fetch(await share(100 * KiB)).done).path];
    await receiver.client.stop();
    rmSync(paths[0] as string);
    const again = await startClient({ dir: receiver.dir, statePath: receiver.statePath, backend: receiver.backend, quotaBytes: 300 * KiB });
    expect(again.client.usage().usedBytes).toBe(100 * KiB);
  });

  test("a spool file removed behind the client's back while its upload was interrupted stops counting once that upload fails: a later download is not refused for room no file takes", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const sender = await startClient({ backend });
    const other = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "other.jpg" }).done).reference;
    const options = { dir, backend, quotaBytes: 150 * KiB, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d") };
    const first = await startClient(options);
    // Slow puts: the stop finds the upload mid-way.
    backend.beforePut = () => new Promise((r) => setTimeout(r, 150));
    const job = first.client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" });
    await vi.waitFor(() => expect(backend.puts).toBeGreaterThan(1));
    await first.client.stop();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    backend.beforePut = undefined;
    // An OS cleaner empties the spool directory while the app is closed.
    for (const name of readdirSync(join(options.dataDir, "spool"))) rmSync(join(options.dataDir, "spool", name));
    const again = await startClient(options);
    await expect(again.client.job(job.id).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
    expect(again.client.usage().usedBytes).toBe(bytesKeptIn(options.dataDir));
    await expect(again.client.fetch(other).done).resolves.toMatchObject({ fromCache: false });
  });
});

describe("the same content asked for twice at once", () => {
  test("two fetches of one uncached file at once (one image shown in two chats) both succeed under a quota that holds it once", async () => {
    const { receiver, share } = await world(150 * KiB);
    const ref = await share(100 * KiB);
    const results = await Promise.all([receiver.client.fetch(ref).done, receiver.client.fetch(ref).done].map((p) => p.then((r) => r.path, (e: { code?: string }) => e.code)));
    expect(results[0]).toBe(results[1]);
    expect(existsSync(results[0] as string)).toBe(true);
    expect(receiver.client.usage()).toMatchObject({ usedBytes: 100 * KiB, reservedBytes: 0 });
  });

  test("the same bytes shared twice at once (a photo sent to two chats) fit a quota that holds them once", async () => {
    const { receiver } = await world(150 * KiB);
    const bytes = randomBytes(100 * KiB);
    const first = receiver.client.share({ bytes, fileName: "photo.jpg" });
    const second = receiver.client.share({ bytes, fileName: "photo.jpg" });
    await Promise.all([first.done, second.done]);
    expect(receiver.client.usage()).toMatchObject({ usedBytes: 100 * KiB, reservedBytes: 0 });
  });
});

describe("quota option", () => {
  test.each([Number.NaN, -1, 0])("quotaBytes %s is refused at start with a RangeError, not taken as a quota that refuses every spooled share later", async (quotaBytes) => {
    await expect(startClient({ quotaBytes })).rejects.toThrow(RangeError);
  });

  test("quotaBytes Infinity is no limit", async () => {
    const { client } = await startClient({ quotaBytes: Number.POSITIVE_INFINITY });
    await client.share({ bytes: randomBytes(10 * KiB), fileName: "a.bin" }).done;
    expect(client.usage()).toMatchObject({ usedBytes: 10 * KiB, quotaBytes: Number.POSITIVE_INFINITY });
  });
});

describe("a cached file the application changed", () => {
  test("a cached file whose size changed (the application wrote to it) and whose new download fails leaves nothing on disk that the quota does not count", async () => {
    const { sender, receiver, share } = await world(1024 * KiB);
    const ref = await share(100 * KiB);
    const { path } = await receiver.client.fetch(ref).done;
    appendFileSync(path, "edited");
    // The sender's pieces are gone: the fetch again fails.
    for (const piece of decodeReference(ref, 3).view.pieces) await sender.backend.delete(piece.cid);
    await expect(receiver.client.fetch(ref).done).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    const onDisk = readdirSync(join(receiver.dataDir, "cache")).reduce((sum, name) => sum + statSync(join(receiver.dataDir, "cache", name)).size, 0);
    expect(receiver.client.usage().usedBytes).toBe(onDisk);
  });
});

describe("the cache on a full disk", () => {
  function refuse(statePath: string, what: "UPDATE" | "INSERT" | "DELETE"): () => void {
    const db = new Database(statePath);
    db.exec(`CREATE TRIGGER refuse_cache_${what} BEFORE ${what} ON cache_entries BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
    return () => {
      db.exec(`DROP TRIGGER refuse_cache_${what}`);
      db.close();
    };
  }

  test("a cached file is still served when the journal cannot record that it was used (phone storage full)", async () => {
    const { receiver, share } = await world(1024 * KiB);
    const ref = await share(100 * KiB);
    const { path } = await receiver.client.fetch(ref).done;
    const allow = refuse(receiver.statePath, "UPDATE");
    try {
      const again = await Promise.resolve()
        .then(() => receiver.client.fetch(ref).done)
        .catch((e: unknown) => e);
      expect(again).toMatchObject({ fromCache: true, path });
    } finally {
      allow();
    }
  });

  test("sharing bytes while the journal refuses cache writes fails with E_LOCAL_IO, not a raw SQLite error", async () => {
    const { receiver } = await world(1024 * KiB);
    const bytes = randomBytes(100 * KiB);
    await receiver.client.share({ bytes, fileName: "a.bin" }).done;
    const allow = refuse(receiver.statePath, "UPDATE");
    try {
      const outcome = await Promise.resolve()
        .then(() => receiver.client.share({ bytes, fileName: "a.bin" }).done)
        .catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(StorageError);
      expect(outcome).toMatchObject({ code: "E_LOCAL_IO" });
    } finally {
      allow();
    }
  });
});

describe("a quota full of failed uploads' spooled files", () => {
  test("E_QUOTA_EXCEEDED says to retry or cancel the failed uploads, not only to wait: a failed upload keeps its spooled file pinned until it is retried, cancelled or forgotten (30 days)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    backend.beforePut = () => {
      throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const { client } = await startClient({ dir, backend, quotaBytes: 250 * KiB });
    for (let i = 0; i < 2; i++) await expect(client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    // Refused by share() itself, before a job exists.
    const error = await Promise.resolve()
      .then(() => client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done)
      .then(
        () => undefined,
        (e: StorageError) => e,
      );
    expect(error?.code).toBe("E_QUOTA_EXCEEDED");
    expect(error?.message).toMatch(/retry or cancel failed/);
  });
});
