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
});
