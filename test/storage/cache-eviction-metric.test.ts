/**
 * docs/storage.md, Metrics: an operator sizing the quota watches how often the cache throws files
 * out to make room. storage_cache_bytes only showed the fill, which stays near the quota whether
 * nothing or everything is evicted; evictions were a debug line each. storage_cache_evictions_total
 * counts them: one per cached file evicted, nothing for a file kept.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createLogger, createMetrics, type Metrics } from "../../src/obs/index.js";
import { LogCapture } from "../support/log-capture.js";
import { KiB, startClient } from "./support/client-fixture.js";

async function evictions(metrics: Metrics): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(`${metrics.prefix}storage_cache_evictions_total`);
  return metric === undefined ? undefined : ((await metric.get()).values[0]?.value ?? 0);
}

describe("storage_cache_evictions_total", () => {
  test("is 0 from the start, and counts each cached file evicted for room under the quota, as many as the debug lines that say so", async () => {
    const capture = new LogCapture();
    const metrics = createMetrics();
    const sender = await startClient();
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 300 * KiB, metrics, logger: createLogger({ level: "debug", destination: capture }) });
    expect(await evictions(metrics)).toBe(0);
    const refs = [];
    for (let i = 0; i < 3; i++) refs.push((await sender.client.share({ bytes: randomBytes(200 * KiB), fileName: `f${i}.bin` }).done).reference);
    await receiver.client.fetch(refs[0] as Uint8Array).done;
    expect(await evictions(metrics)).toBe(0);
    await receiver.client.fetch(refs[1] as Uint8Array).done;
    expect(await evictions(metrics)).toBe(1);
    await receiver.client.fetch(refs[2] as Uint8Array).done;
    expect(await evictions(metrics)).toBe(2);
    expect(capture.lines().filter((l) => l["msg"] === "evicted cached file")).toHaveLength(2);
  });
});
