import { describe, expect, test } from "vitest";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { createLogger } from "../../src/obs/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { LogCapture } from "../support/log-capture.js";
import { until } from "../support/until.js";
import { bridgePair, descriptionBytes } from "./bridge-fixture.js";
import { faultyStore } from "./description-store-faults.js";

describe("the publisher's and receiver's logs", () => {
  test("at trace level, through publishes, a drop and a failed fetch, carry no key and no description bytes", async () => {
    const out = new LogCapture();
    const logger = createLogger({ level: "trace", destination: out });
    let failing = true;
    const pair = await bridgePair("0.2.0", "0.3.0", {
      receiverStore: (store) => faultyStore(store, { failGet: () => failing }),
      receiver: { logger },
    });
    try {
      // A publisher that logs, with the community's key (the fixture's own does not log).
      const publisher = new DescriptionPublisher({ profile: profileForRelease("0.3.0"), transport: pair.network.transport({ name: "logged" }), store: pair.store, secretKey: pair.secretKey, logger });
      const first = descriptionBytes(4_000, 21);
      await publisher.publish(first, 1);
      await pair.network.settled();
      await until(() => pair.dropped.length === 1 && !pair.receiver.fetching, "the failed fetch");
      failing = false;
      const second = descriptionBytes(4_000, 22);
      await publisher.publish(second, 2);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 2 && !pair.receiver.fetching, "clock 2");
      await pair.network.transport({ name: "junk" }).publish(pair.receiver.contentTopic, new Uint8Array([1, 2, 3]));
      await pair.network.settled();

      const text = out.text;
      const components = new Set(out.lines().map((l) => l.component));
      expect(components).toEqual(new Set(["bridge.publisher", "bridge.receiver"]));
      const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
      for (const secret of [pair.secretKey]) {
        expect(text).not.toContain(hex(secret));
        expect(text).not.toContain(Buffer.from(secret).toString("base64"));
      }
      for (const bytes of [first, second]) {
        // Any 16-byte run of a description, in hex or base64, would show its contents leaking.
        expect(text).not.toContain(hex(bytes.subarray(100, 116)));
        expect(text).not.toContain(Buffer.from(bytes.subarray(99, 111)).toString("base64"));
      }
      expect(text).toContain("E_BRIDGE_FETCH_FAILED");
    } finally {
      await pair.close();
    }
  });

  test("at debug, an operator follows a pointer's fetch (the pointer and its CID, each failed attempt with its code); a fetch that failed is a warning, junk from the topic stays at debug", async () => {
    // Walked through against a Codex node that never answered: at debug the receiver said nothing
    // while its fetch hung, and a fetch that failed for good was a debug line like any junk message.
    const out = new LogCapture();
    const logger = createLogger({ level: "debug", destination: out });
    let failing = true;
    const pair = await bridgePair("0.3.0", "0.3.0", { receiverStore: (store) => faultyStore(store, { failGet: () => failing }), receiver: { logger } });
    try {
      const report = await pair.publisher.publish(descriptionBytes(2_000, 23), 1);
      await pair.network.settled();
      await until(() => pair.dropped.length === 1 && !pair.receiver.fetching, "the failed fetch");
      await pair.network.transport({ name: "junk" }).publish(pair.receiver.contentTopic, new Uint8Array([1, 2, 3]));
      await pair.network.settled();
      await until(() => pair.dropped.length === 2, "the junk dropped");
      const lines = out.lines();
      const pointerLine = lines.find((l) => l.msg === "pointer taken; fetching its description");
      expect(pointerLine).toMatchObject({ level: 20, clock: 1, cid: report.pointer?.cid, size: report.pointer?.size });
      const retries = lines.filter((l) => l.msg === "fetch attempt failed; retrying");
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0]).toMatchObject({ level: 20, clock: 1, cid: report.pointer?.cid, attempt: 1 });
      expect(typeof retries[0]?.code).toBe("string");
      const failed = lines.filter((l) => l.code === "E_BRIDGE_FETCH_FAILED");
      expect(failed.map((l) => l.level)).toEqual([40]);
      expect(lines.filter((l) => l.code === "E_BRIDGE_UNREADABLE").map((l) => l.level)).toEqual([20]);
      failing = false;
      await pair.publisher.publish(descriptionBytes(2_000, 24), 2);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 2 && !pair.receiver.fetching, "clock 2");
      expect(out.lines().filter((l) => l.msg === "description taken").map((l) => [l.clock, l.source])).toEqual([[2, "codex"]]);
    } finally {
      await pair.close();
    }
  });
});
