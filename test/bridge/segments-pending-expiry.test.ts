/**
 * docs/bridge.md, Receiver (Metrics): bridge_segments_pending_bytes counts incomplete segmented
 * wholes "until evicted or expired", and an incomplete whole is kept DEFAULT_SEGMENT_TTL_MS after
 * its first segment. The receiver expired them only when the next segment came: a whole that lost
 * a segment, with no segmented message after it (descriptions go out rarely), held its bytes and
 * the gauge up until close(), and an alert on the gauge stayed on. The receiver's clock now expires
 * them at their TTL, and close() leaves no timer armed.
 */
import { describe, expect, test } from "vitest";
import { DEFAULT_SEGMENT_TTL_MS, MAX_DESCRIPTION_BYTES } from "../../src/bridge/segment-limits.js";
import { segmentEnvelope } from "../../src/bridge/segment-split.js";
import type { Metrics } from "../../src/obs/index.js";
import { bridgePair } from "./bridge-fixture.js";
import { ManualClock } from "./manual-clock.js";

async function pendingBytes(metrics: Metrics): Promise<number> {
  const metric = metrics.registry.getSingleMetric(`${metrics.prefix}bridge_segments_pending_bytes`);
  return metric === undefined ? 0 : ((await metric.get()).values[0]?.value ?? 0);
}

describe("incomplete segmented wholes leave the gauge at their TTL, with no segment after them", () => {
  test("two wholes that each lost a segment: each one's bytes leave at its own TTL, the gauge back to 0; close() leaves no timer", async () => {
    const clock = new ManualClock();
    const pair = await bridgePair("0.1.0", "0.2.0", { receiver: { clock } });
    try {
      const flooder = pair.network.transport({ name: "flooder" });
      const send = async (fill: number): Promise<void> => {
        const segments = segmentEnvelope(new Uint8Array(MAX_DESCRIPTION_BYTES / 4).fill(fill), { version: 2, minReader: 1 });
        for (const segment of segments.slice(0, -1)) await flooder.publish(pair.receiver.contentTopic, segment);
        await pair.network.settled();
      };
      await send(1);
      const first = await pendingBytes(pair.metrics);
      expect(first).toBeGreaterThan(0);
      clock.advance(DEFAULT_SEGMENT_TTL_MS / 2);
      await send(2);
      const both = await pendingBytes(pair.metrics);
      expect(both).toBeGreaterThan(first);
      clock.advance(DEFAULT_SEGMENT_TTL_MS / 2);
      expect(await pendingBytes(pair.metrics)).toBe(both - first);
      clock.advance(DEFAULT_SEGMENT_TTL_MS / 2);
      expect(await pendingBytes(pair.metrics)).toBe(0);
      expect(clock.pending).toBe(0);
      await send(3);
      expect(await pendingBytes(pair.metrics)).toBeGreaterThan(0);
      await pair.receiver.close();
      expect(await pendingBytes(pair.metrics)).toBe(0);
      expect(clock.pending).toBe(0);
    } finally {
      await pair.close();
    }
  });
});
