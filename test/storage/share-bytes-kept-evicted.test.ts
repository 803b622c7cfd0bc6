/**
 * share({ bytes }) of bytes a received file in the cache holds reserves no room (the content is
 * kept already) and reads that file once its spool turn comes. Until then nothing kept the file
 * from eviction: a download needing room evicted it, and the share then spooled its bytes anew with
 * no room reserved, leaving the client over its quota by the whole file. The content is now held
 * from eviction from share() until its source is settled (that file, pinned, or a spooled copy).
 * The spool turn is held open by a gate in spoolBytes (a pass-through otherwise).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { gate } from "../support/gate.js";
import { bytesKeptIn, KiB, localStore, SMALL_PIECES, startClient } from "./support/client-fixture.js";
import { until } from "../support/until.js";

/** spoolBytes for the content named `held.cid` waits at `held.gate` (while set). */
const held = vi.hoisted(() => ({ cid: "", wait: undefined as Promise<void> | undefined, reached: false }));

vi.mock("../../src/storage/spool-file.js", async (importReal) => {
  const real = await importReal<typeof import("../../src/storage/spool-file.js")>();
  return {
    ...real,
    spoolBytes: async (dir: string, name: string, bytes: Uint8Array) => {
      if (name === held.cid && held.wait !== undefined) {
        held.reached = true;
        await held.wait;
      }
      return real.spoolBytes(dir, name, bytes);
    },
  };
});

const QUOTA = 300 * KiB;

describe("a share of bytes a received file holds, waiting for its spool turn", () => {
  test("the received file is not evicted meanwhile, and the client stays within its quota", async () => {
    const store = localStore(join((await startClient()).dir, "shared-store"));
    const sender = await startClient({ backend: store });
    // Several pieces each: no share or fetch here is small enough for a lane of its own.
    const photo = randomBytes(100 * KiB);
    const video = randomBytes(150 * KiB);
    const photoRef = (await sender.client.share({ bytes: photo, fileName: "photo.jpg" }).done).reference;
    const videoRef = (await sender.client.share({ bytes: video, fileName: "video.mp4" }).done).reference;
    const receiver = await startClient({ backend: store, quotaBytes: QUOTA, jobsInFlight: 1, ...SMALL_PIECES });
    await receiver.client.fetch(photoRef).done;

    // Another share of bytes holds the one spool slot at the gate.
    const other = randomBytes(100 * KiB);
    const open = gate();
    onTestFinished(() => open.open());
    held.cid = cidOfDigest(sha256(other));
    held.wait = open.wait;
    const first = receiver.client.share({ bytes: other, fileName: "other.bin" });
    await until(() => held.reached, "the other share's spool write at the gate");
    const forward = receiver.client.share({ bytes: photo, fileName: "photo.jpg" });

    // 100 KiB kept, 100 KiB reserved for the other share: the video needs room the photo takes.
    let videoEnded = false;
    const videoEnd = receiver.client
      .fetch(videoRef)
      .done.then(
        () => "done",
        (e: { code?: string }) => e.code,
      )
      .finally(() => (videoEnded = true));
    await until(() => videoEnded || receiver.client.usage().waitingForRoom > 0, "the video's download to end or wait for room");
    open.open();
    await Promise.all([first.done, forward.done]);
    await videoEnd;
    const usage = receiver.client.usage();
    expect(usage.usedBytes + usage.reservedBytes, `kept ${usage.usedBytes}, reserved ${usage.reservedBytes}`).toBeLessThanOrEqual(QUOTA);
    expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(QUOTA);
  });
});
