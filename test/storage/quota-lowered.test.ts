import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { bytesKeptIn, KiB, localStore, startClient } from "./support/client-fixture.js";

describe("a quota lowered between two sessions", () => {
  test("the next start evicts least recently used cached files until what the client keeps fits the new quota", async () => {
    const dir = tempDir();
    const store = localStore(join(dir, "store"));
    const sender = await startClient({ backend: store, dir: join(dir, "sender") });
    const clock = { t: Date.UTC(2026, 0, 1) };
    const receiverDir = join(dir, "receiver");
    const first = await startClient({ backend: store, dir: receiverDir, quotaBytes: 1024 * KiB, clock: { now: () => clock.t } });
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { reference } = await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done;
      clock.t += 1000;
      paths.push((await first.client.fetch(reference).done).path);
    }
    expect(first.client.usage().usedBytes).toBe(400 * KiB);
    await first.client.stop();

    // The user gave the app less room (a settings screen, a low-storage mode).
    const second = await startClient({ backend: store, dir: receiverDir, quotaBytes: 250 * KiB, clock: { now: () => clock.t } });
    expect(second.client.usage().usedBytes).toBeLessThanOrEqual(250 * KiB);
    expect(bytesKeptIn(second.dataDir)).toBeLessThanOrEqual(250 * KiB);
    // Least recently used first: the two newest stay.
    expect(paths.map((p) => existsSync(p))).toEqual([false, false, true, true]);
  });

  test("pinned files (a pending upload's spooled source) are never evicted to fit a lowered quota, and the start still succeeds", async () => {
    const dir = tempDir();
    const store = localStore(join(dir, "store"));
    const clientDir = join(dir, "client");
    const first = await startClient({ backend: store, dir: clientDir, quotaBytes: 1024 * KiB });
    // Journaled, then spooled while the client stops: it stays queued, with its spool file, for the next start.
    const bytes = randomBytes(300 * KiB);
    const job = first.client.share({ bytes, fileName: "pending.bin" });
    job.done.catch(() => undefined);
    await first.client.stop();
    expect(bytesKeptIn(first.dataDir)).toBe(300 * KiB);

    const second = await startClient({ backend: store, dir: clientDir, quotaBytes: 100 * KiB });
    expect(bytesKeptIn(second.dataDir)).toBe(300 * KiB);
    const { reference } = (await second.client.job(job.id).done) as { reference: Uint8Array };
    expect((await second.client.fetch(reference, { out: join(dir, "back.bin") }).done).size).toBe(bytes.byteLength);
  });
});

describe("a quota changed while the client runs (setQuota)", () => {
  /** A receiver holding four 100 KiB files in its cache, fetched in order (the first least recently used). */
  async function receiverWithFour(quotaBytes: number) {
    const dir = tempDir();
    const store = localStore(join(dir, "store"));
    const sender = await startClient({ backend: store, dir: join(dir, "sender") });
    const clock = { t: Date.UTC(2026, 0, 1) };
    const receiver = await startClient({ backend: store, dir: join(dir, "receiver"), quotaBytes, clock: { now: () => clock.t } });
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { reference } = await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done;
      clock.t += 1000;
      paths.push((await receiver.client.fetch(reference).done).path);
    }
    return { sender, receiver, paths };
  }

  test("lowered, it evicts least recently used cached files at once, without a restart, and usage() and the quota gauge say the new quota", async () => {
    const { receiver, paths } = await receiverWithFour(1024 * KiB);
    expect(receiver.client.usage().usedBytes).toBe(400 * KiB);
    // The user gave the app less room in its settings; transfers under way are not interrupted by a stop and a start.
    receiver.client.setQuota(250 * KiB);
    expect(receiver.client.usage()).toMatchObject({ quotaBytes: 250 * KiB });
    expect(receiver.client.usage().usedBytes).toBeLessThanOrEqual(250 * KiB);
    expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(250 * KiB);
    expect(paths.map((p) => existsSync(p))).toEqual([false, false, true, true]);
    expect(await receiver.client.metrics.text()).toContain(`status_compat_storage_quota_bytes ${250 * KiB}`);
  });

  test("raised, a file larger than the old quota is fetched into the cache; anything but a positive number is a RangeError that changes nothing", async () => {
    const { sender, receiver } = await receiverWithFour(450 * KiB);
    const { reference } = await sender.client.share({ bytes: randomBytes(500 * KiB), fileName: "big.bin" }).done;
    await expect(receiver.client.fetch(reference).done).rejects.toMatchObject({ code: "E_QUOTA_EXCEEDED" });
    for (const bad of [0, -1, Number.NaN]) expect(() => receiver.client.setQuota(bad)).toThrow(RangeError);
    expect(receiver.client.usage().quotaBytes).toBe(450 * KiB);
    receiver.client.setQuota(2048 * KiB);
    expect((await receiver.client.fetch(reference).done).size).toBe(500 * KiB);
    receiver.client.setQuota(Number.POSITIVE_INFINITY);
    expect(receiver.client.usage().quotaBytes).toBe(Number.POSITIVE_INFINITY);
  });
});
