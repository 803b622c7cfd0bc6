/**
 * A received file shared on by its path (a forward) is pinned while the upload reads it: no download
 * needing room may evict it. The pin was found by comparing the path as given with the cache folder
 * as the client spells it, so the same file given by another spelling of its folders (iOS hands out
 * /var/… and /private/var/…; any folder behind a link) was not pinned: evicted under the pending
 * forward, whose upload then failed. It is now recognised with its folders' links followed, and
 * journaled as the cache's own path, so the pin is also given back when the upload is done.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const QUOTA = 300 * KiB;

describe("a forward of a received file by another spelling of its folder", () => {
  test.each(["the link", "the real path"] as const)("is pinned while it is sent when the client runs on %s, and unpinned once done", async (clientOn) => {
    const dir = tempDir("scc-forward-spelling-");
    const real = join(dir, "private-var");
    mkdirSync(real);
    const link = join(dir, "var");
    symlinkSync(real, link);
    const store = localStore(join(dir, "store"));
    const sender = await startClient({ dir, statePath: join(dir, "sender.sqlite"), dataDir: join(dir, "sender-data"), backend: store });
    const photo = randomBytes(100 * KiB);
    const video = randomBytes(250 * KiB);
    const photoRef = (await sender.client.share({ bytes: photo, fileName: "photo.jpg" }).done).reference;
    const videoRef = (await sender.client.share({ bytes: video, fileName: "video.mp4" }).done).reference;
    await sender.client.stop();

    const backend = new InstrumentedBackend(store);
    const [mine, other] = clientOn === "the link" ? [link, real] : [real, link];
    const receiver = await startClient({ dir, statePath: join(dir, "rx.sqlite"), dataDir: join(mine, "data"), backend, quotaBytes: QUOTA });
    const { path } = (await receiver.client.fetch(photoRef).done) as FetchResult;
    expect(path.startsWith(mine)).toBe(true);
    const held = gate();
    onTestFinished(() => held.open());
    backend.beforePut = () => held.wait;
    const forward = receiver.client.share({ path: other + path.slice(mine.length) });
    await until(() => backend.puts > 0, "the forward's first put");

    // The video needs the photo's room: refused while the forward reads the photo, never fitted by evicting it.
    const refused = (await receiver.client.fetch(videoRef).done.catch((e: unknown) => e)) as StorageError;
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused.code).toBe("E_QUOTA_EXCEEDED");
    held.open();
    backend.beforePut = undefined;
    const sent = await forward.done;
    const back = await receiver.client.fetch(sent.reference, { out: join(dir, "back.jpg") }).done;
    expect(back.sha256).toEqual(sent.view.plaintextSha256);

    // Done: the photo is evictable again, and the video takes its room.
    const fetched = await receiver.client.fetch(videoRef).done;
    expect(fetched.size).toBe(video.byteLength);
    expect(receiver.client.usage().usedBytes).toBeLessThanOrEqual(QUOTA);
  });
});
