/**
 * docs/storage.md (Metrics): the quota's use was reported only as the bytes of cached and spooled
 * files (storage_cache_bytes), so a dashboard showed a cache with room to spare while downloads
 * waited for room that other transfers had reserved. The quota, the bytes reserved, the bytes of
 * partial downloads kept for a resume and the transfers waiting for room are gauges too.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, onTestFinished, test } from "vitest";
import { until } from "../support/until.js";
import { KiB, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A gauge's value in the client's metrics text (names carry the registry's prefix). */
function gauge(text: string, name: string): number {
  const full = `status_compat_${name}`;
  const line = text.split("\n").find((l) => l.split(" ")[0] === full);
  if (line === undefined) throw new Error(`no ${full} in the metrics`);
  return Number(line.slice(full.length + 1));
}

describe("the quota's use in the metrics", () => {
  test("a download under way and one waiting for its room: the quota, the room reserved and the waiter are reported, and clear once both are done", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `v${i}.mp4` }).done).reference);
    const backend = new InstrumentedBackend(sender.backend);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gets = 0;
    backend.beforeGet = async () => {
      gets++;
      await gate;
    };
    const receiver = await startClient({ backend, quotaBytes: 150 * KiB });
    onTestFinished(() => open());
    const first = receiver.client.fetch(refs[0] as Uint8Array);
    await until(() => gets > 0, "the first download's get");
    const second = receiver.client.fetch(refs[1] as Uint8Array);
    await until(() => receiver.client.usage().waitingForRoom === 1, "the second download waiting for room");

    const during = await receiver.client.metrics.text();
    expect(gauge(during, "storage_quota_bytes")).toBe(150 * KiB);
    expect(gauge(during, "storage_cache_reserved_bytes")).toBe(100 * KiB);
    expect(gauge(during, "storage_quota_waiting")).toBe(1);
    expect(gauge(during, "storage_cache_partial_bytes")).toBe(0);

    open();
    await Promise.all([first.done, second.done]);
    const after = await receiver.client.metrics.text();
    expect(gauge(after, "storage_cache_reserved_bytes")).toBe(0);
    expect(gauge(after, "storage_quota_waiting")).toBe(0);
    expect(gauge(after, "storage_cache_bytes")).toBe(receiver.client.usage().usedBytes);
  });
});
