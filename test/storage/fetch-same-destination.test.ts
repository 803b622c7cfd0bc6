/**
 * Two fetches of different files to one path (a community's banner fetched to a fixed path, then
 * fetched again when a newer banner arrives while the first download still crawls): each download
 * renames its verified file onto the path when it ends, so the older one, ending later, put the
 * older file over the newer one. The later fetch is the application's current wish for that path.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

describe("fetches of different files to the same destination", () => {
  test("the later one wins: the earlier download, still running, is cancelled and never renames over it", async () => {
    const dir = tempDir("scc-same-dest-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, ...SMALL_PIECES });
    const older = writeRandomFile(dir, "banner-1.png", 100 * KiB);
    const newer = writeRandomFile(dir, "banner-2.png", 100 * KiB);
    const first = await client.share({ path: older.path }).done;
    const second = await client.share({ path: newer.path }).done;
    const olderCids = new Set(first.view.pieces.map((p) => p.cid));
    // The older banner's pieces crawl until the newer banner is in place.
    let release!: () => void;
    const newerInPlace = new Promise<void>((resolve) => (release = resolve));
    backend.beforeGet = async (cid) => {
      if (olderCids.has(cid)) await newerInPlace;
    };
    const out = join(dir, "banner.png");
    const olderJob = client.fetch(first.view, { out });
    const olderEnd = olderJob.done.then(
      () => "done",
      (e: unknown) => e,
    );
    const newerJob = client.fetch(second.view, { out });
    await newerJob.done;
    release();
    const ended = await olderEnd;
    expect(readFileSync(out).equals(newer.bytes), "the path holds the newer banner").toBe(true);
    expect(ended).toBeInstanceOf(StorageError);
    expect((ended as StorageError).code).toBe("E_ABORTED");
    expect(client.job(olderJob.id).state).toBe("cancelled");
    await client.stop();
  });

  test("a second fetch of the same file to the same path leaves the first running (both write the same bytes)", async () => {
    const dir = tempDir("scc-same-dest-same-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, ...SMALL_PIECES });
    const file = writeRandomFile(dir, "photo.jpg", 100 * KiB);
    const { view } = await client.share({ path: file.path }).done;
    const out = join(dir, "photo-received.jpg");
    const a = client.fetch(view, { out });
    const b = client.fetch(view, { out });
    await expect(a.done).resolves.toMatchObject({ path: out });
    await expect(b.done).resolves.toMatchObject({ path: out });
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
    await client.stop();
  });
});
