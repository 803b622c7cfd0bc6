/**
 * docs/storage.md (Quota): the temp file of a download into the cache kept for a resume counts under
 * the quota (quota-kept-part). It was looked at through its name with links followed (stat), so a
 * symbolic link at `<cid>.<id8>.part` counted the size of whatever it named: a link to a large file
 * had the next start take that size as the temp file's and evict the cache to fit the quota around
 * it. What is at the name is looked at itself (lstat): a link is no temp file of the client's and
 * counts nothing; the resumed run then removes it, never following it, and starts over (resume-temp-link).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { KiB, SMALL_PIECES, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const QUOTA = 300 * KiB;

describe("a symbolic link at the name of a kept temp file of a download into the cache", () => {
  test.runIf(process.platform !== "win32")("counts nothing under the quota at the next start: the cache is not evicted for the size of what it names", async () => {
    const sender = await startClient();
    const photo = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" }).done).reference;
    const video = (await sender.client.share({ bytes: randomBytes(3 * SMALL_PIECES.pieceSize), fileName: "video.mp4" }).done).reference;

    // The video's download into the cache cut after one verified piece by its store closing: failed, its temp file kept.
    const backend = new InstrumentedBackend(sender.backend);
    let closedAfter: number | undefined;
    backend.beforeGet = () => {
      if (closedAfter !== undefined && closedAfter-- <= 0) throw new StorageError("E_CLIENT_CLOSED", "the application closed this store (test)");
    };
    const receiver = await startClient({ backend, quotaBytes: QUOTA, piecesInFlight: 1 });
    const cachedPhoto = (await receiver.client.fetch(photo).done) as FetchResult;
    closedAfter = 1;
    const job = receiver.client.fetch(video);
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    closedAfter = undefined;
    await receiver.client.stop();

    // The temp file replaced by a link to a file far larger than the quota (a user's 2 MiB file).
    const cache = join(receiver.dataDir, "cache");
    const part = readdirSync(cache).find((n) => n.endsWith(".part"));
    expect(part, "the temp file kept for the resume").toBeDefined();
    const large = join(receiver.dir, "large.bin");
    writeFileSync(large, randomBytes(2048 * KiB));
    rmSync(join(cache, part as string));
    symlinkSync(large, join(cache, part as string));

    const again = await startClient({ backend, quotaBytes: QUOTA, piecesInFlight: 1, dir: receiver.dir, statePath: receiver.statePath, dataDir: receiver.dataDir });
    // Before: counted as 2 MiB kept, the start evicted the photo to fit the quota around it.
    expect(readdirSync(cache), "the cached photo stays").toContain(cachedPhoto.path.slice(cache.length + 1));
    // The resumed run removes the link (resume-temp-link) and fetches the video again; the photo is still served from the cache.
    await expect(again.client.job(job.id).done).resolves.toMatchObject({ size: 3 * SMALL_PIECES.pieceSize });
    await expect(again.client.fetch(photo).done).resolves.toMatchObject({ fromCache: true });
    expect(again.client.usage().partialBytes).toBe(0);
  });
});
