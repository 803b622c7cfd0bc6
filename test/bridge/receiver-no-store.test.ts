import { describe, expect, test } from "vitest";
import { DescriptionReceiver, type ReceivedDescription } from "../../src/bridge/receiver.js";
import { createLogger } from "../../src/obs/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { LogCapture } from "../support/log-capture.js";
import { bridgePair, counter, descriptionBytes } from "./bridge-fixture.js";

/**
 * A receiver started without a store ignores pointers (docs/bridge.md, Receiver): fine next to a
 * 0.2.0 control node, whose whole copy comes first, but next to a 0.3.0 one, which sends pointers
 * only, a joiner got nothing, ever, and said nothing: the pointers were only counted.
 */
describe("DescriptionReceiver without a store", () => {
  test.each([
    ["0.3.0", "0.3.0", 1],
    ["0.2.0", "0.3.0", 0],
    ["0.2.0", "0.2.0", 0],
  ] as const)("%s control node, %s joiner: a warn names the first pointer it cannot fetch (%i lines) and what to do; nothing else changes", async (from, to, lines) => {
    const out = new LogCapture();
    const logger = createLogger({ level: "debug", destination: out });
    const pair = await bridgePair(from, "0.3.0");
    const delivered: ReceivedDescription[] = [];
    const joiner = await DescriptionReceiver.start({ profile: profileForRelease(to), transport: pair.network.transport({ name: "joiner" }), communityId: pair.publisher.communityId, logger, metrics: pair.metrics, onDescription: (d) => delivered.push(d) });
    try {
      await pair.publisher.publish(descriptionBytes(2_000, 1), 1);
      await pair.publisher.publish(descriptionBytes(2_000, 2), 2);
      await pair.network.settled();
      const warned = out.lines().filter((l) => l.level === 40);
      expect(warned.map((l) => [l.clock, l.msg])).toEqual(
        lines === 0 ? [] : [[1, "a pointer of the community came and this receiver has no store to fetch its description from: start it with a store (a 0.3.0 control node sends pointers only)"]],
      );
      expect(delivered.map((d) => d.clock)).toEqual(from === "0.3.0" ? [] : [1, 2]);
      expect(await counter(pair.metrics, "bridge_dropped_total", { reason: "unreadable-kind" })).toBe(2);
    } finally {
      await joiner.close();
      await pair.close();
    }
  });
});
