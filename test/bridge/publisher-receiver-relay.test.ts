import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { DescriptionReceiver, type ReceivedDescription } from "../../src/bridge/receiver.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { createLocalBackend } from "../../src/storage/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { startRelayNodes } from "../support/waku-nodes.js";
import { descriptionBytes, INSTANT_RETRY } from "./bridge-fixture.js";

describe("publisher -> receiver over real js-waku relay nodes on 127.0.0.1", () => {
  test("a 0.2.0 control node's 1.5 MB description (segments and a pointer) reaches a 0.3.0 member byte-exact, once", async () => {
    const nodes = await startRelayNodes(2);
    const backend = createLocalBackend({ dir: join(tempDir("scc-bridge-relay-"), "store") });
    const store = descriptionStoreOn(backend);
    const secretKey = newSecretKey();
    const [control, member] = nodes.transports;
    const delivered: ReceivedDescription[] = [];
    const publisher = new DescriptionPublisher({ profile: profileForRelease("0.2.0"), transport: control!, store, secretKey });
    const receiver = await DescriptionReceiver.start({
      profile: profileForRelease("0.3.0"),
      transport: member!,
      communityId: publisher.communityId,
      store,
      retry: INSTANT_RETRY,
      onDescription: (d) => delivered.push(d),
    });
    try {
      const bytes = descriptionBytes(1_500_000, 31);
      const report = await publisher.publish(bytes, 1);
      expect(report.wholeMessages).toBeGreaterThan(1);
      // Generous for a loaded machine: a condition polled, not a time asserted.
      await until(() => receiver.heldClock === 1 && !receiver.fetching, "clock 1 at the member", { tries: 2_500 });
      expect(delivered.map((d) => d.clock)).toEqual([1]);
      expect(Buffer.from(delivered[0]?.description ?? []).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await receiver.close();
      publisher.close();
      await nodes.close();
      await backend.close();
    }
  }, 60_000);
});
