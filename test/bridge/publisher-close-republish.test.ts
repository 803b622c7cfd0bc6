/**
 * docs/bridge.md, Publisher: close() stops the periodic republish. One already sending (the
 * segments of a large description go out one by one, seconds over a relay) went on after it: the
 * rest of its messages were sent and counted in bridge_published_total, and when the app then
 * closed its transport, as it may once the publisher is closed, the next send failed and the
 * publisher logged "republish failed; tried again after the interval" at warn: a line, metric
 * changes and a promise of a retry from a closed publisher. A closed publisher sends nothing more.
 */
import { describe, expect, test } from "vitest";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import type { PublishOptions, PublishResult, WakuTransport } from "../../src/bridge/transport.js";
import { MemoryNetwork } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { createLogger, createMetrics } from "../../src/obs/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { gate } from "../support/gate.js";
import { LogCapture } from "../support/log-capture.js";
import { until } from "../support/until.js";
import { descriptionBytes } from "./bridge-fixture.js";
import { ManualClock } from "./manual-clock.js";

interface HeldTransport extends WakuTransport {
  hold: Promise<void> | undefined;
  started: number;
  /** The last publish's outcome, settled either way. */
  last: Promise<unknown>;
}

/** The memory transport, each publish held at `hold` while it is set (a slow relay), counted as it starts. */
function heldTransport(inner: WakuTransport & { close(): Promise<void> }): HeldTransport & { close(): Promise<void> } {
  const held = {
    hold: undefined as Promise<void> | undefined,
    started: 0,
    last: Promise.resolve() as Promise<unknown>,
    get maxPayloadBytes() {
      return inner.maxPayloadBytes;
    },
    publish(topic: string, payload: Uint8Array, options?: PublishOptions): Promise<PublishResult> {
      held.started++;
      const hold = held.hold;
      const call = (async () => {
        if (hold !== undefined) await hold;
        return inner.publish(topic, payload, options);
      })();
      held.last = call.catch(() => undefined);
      return call;
    },
    subscribe: inner.subscribe.bind(inner),
    close: inner.close.bind(inner),
  };
  return held;
}

/** Every microtask queued so far has run (and the ones they queue): the next macrotask comes after them. */
function drained(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("a publisher closed while its periodic republish sends", () => {
  test.each([
    ["its transport then closed by the app", true],
    ["its transport left open", false],
  ] as const)("sends none of the republish's other messages, counts nothing and logs nothing after close(), %s", async (_, closeTransport) => {
    const network = new MemoryNetwork();
    const transport = heldTransport(network.transport({ name: "control" }));
    const clock = new ManualClock();
    const metrics = createMetrics();
    const capture = new LogCapture();
    const publisher = new DescriptionPublisher({
      profile: profileForRelease("0.1.0"),
      transport,
      secretKey: newSecretKey(),
      clock,
      metrics,
      logger: createLogger({ level: "debug", destination: capture }),
      republishIntervalMs: 60_000,
    });
    try {
      const report = await publisher.publish(descriptionBytes(400_000, 3), 1);
      expect(report.wholeMessages).toBeGreaterThan(2);
      const sentBefore = transport.started;
      const slow = gate();
      transport.hold = slow.wait;
      clock.advance(60_000);
      await until(() => transport.started === sentBefore + 1, "the republish's first segment on its way");
      publisher.close();
      const log = capture.text.length;
      const counted = await metrics.text();
      if (closeTransport) await transport.close();
      slow.open();
      // The held send settles (refused when its transport is closed); what the republish does then runs in microtasks,
      // and a next send's own settling too (the memory transport hands a message on in a later turn).
      for (let sends = transport.started; ; sends = transport.started) {
        await transport.last;
        await drained();
        if (transport.started === sends) break;
      }
      expect(transport.started).toBe(sentBefore + 1);
      expect(capture.text.slice(log)).toBe("");
      expect(await metrics.text()).toBe(counted);
      expect(clock.pending).toBe(0);
    } finally {
      publisher.close();
      await network.close();
    }
  });
});
