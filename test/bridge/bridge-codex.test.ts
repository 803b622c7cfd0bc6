import { describe, expect, test } from "vitest";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import { DescriptionPublisher } from "../../src/bridge/publisher.js";
import { DescriptionReceiver, type ReceivedDescription } from "../../src/bridge/receiver.js";
import { MemoryNetwork } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { createCodexBackend } from "../../src/storage/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { until } from "../support/until.js";
import { startRelayNodes } from "../support/waku-nodes.js";
import { descriptionBytes, INSTANT_RETRY } from "./bridge-fixture.js";

/**
 * The walk-through of docs/bridge.md as a Status app would run it: descriptions stored on a Codex
 * node (the test server, the real REST API's shape) rather than the embedded store.
 */
describe("the bridge with its descriptions on a Codex node", () => {
  test("a 0.2.0 control node on real relay nodes: members on 0.1.0, 0.2.0 and 0.3.0 end with the newest description byte-exact, and a joiner after it gets it from the republish", async () => {
    const server = await startCodexTestServer();
    // Two nodes: the control node on one, every member on the other, so each message crosses a real
    // relay hop. Five (one a member) took 2.7-18.8 s to set up on a loaded machine and once ran past
    // the test's time under forced pauses; what this test checks needs one hop, not five meshes.
    const nodes = await startRelayNodes(2);
    const store = () => descriptionStoreOn(createCodexBackend({ url: server.url }));
    const [control, members] = nodes.transports;
    const publisher = new DescriptionPublisher({ profile: profileForRelease("0.2.0"), transport: control!, store: store(), secretKey: newSecretKey() });
    const receivers: DescriptionReceiver[] = [];
    const start = async (release: string): Promise<ReceivedDescription[]> => {
      const delivered: ReceivedDescription[] = [];
      const receiver = await DescriptionReceiver.start({ profile: profileForRelease(release), transport: members!, communityId: publisher.communityId, store: store(), retry: INSTANT_RETRY, onDescription: (d) => delivered.push(d) });
      receivers.push(receiver);
      return delivered;
    };
    try {
      const held = [await start("0.1.0"), await start("0.2.0"), await start("0.3.0")];
      const newest = descriptionBytes(1_500_000, 41);
      await publisher.publish(descriptionBytes(300, 40), 1);
      const report = await publisher.publish(newest, 2);
      expect(server.cids()).toContain(report.pointer?.cid);
      await until(() => receivers.every((r) => r.heldClock === 2 && !r.fetching), "clock 2 at every member", { tries: 2_500 });
      for (const delivered of held) {
        expect(delivered.at(-1)?.clock).toBe(2);
        expect(Buffer.from(delivered.at(-1)?.description ?? []).equals(Buffer.from(newest))).toBe(true);
      }
      const joiner = await start("0.3.0");
      await publisher.republish();
      await until(() => receivers[3]?.heldClock === 2 && !receivers[3].fetching, "clock 2 at the joiner", { tries: 2_500 });
      expect(joiner.map((d) => d.clock)).toEqual([2]);
      expect(Buffer.from(joiner[0]?.description ?? []).equals(Buffer.from(newest))).toBe(true);
    } finally {
      for (const r of receivers) await r.close();
      publisher.close();
      await nodes.close();
      await server.close();
    }
  }, 120_000);

  test("close() while a fetch hangs on a Codex node that never answers resolves, and leaves no request open", async () => {
    const server = await startCodexTestServer();
    const network = new MemoryNetwork();
    const publisher = new DescriptionPublisher({ profile: profileForRelease("0.3.0"), transport: network.transport(), store: descriptionStoreOn(createCodexBackend({ url: server.url })), secretKey: newSecretKey() });
    // The default policy: a minute per attempt, so the fetch is still in its first one when closed.
    const receiver = await DescriptionReceiver.start({ profile: profileForRelease("0.3.0"), transport: network.transport(), communityId: publisher.communityId, store: descriptionStoreOn(createCodexBackend({ url: server.url })) });
    try {
      for (const route of ["download", "download-local", "fetch", "manifest"] as const) server.inject(route, { kind: "hang", phase: "before-headers" }, { times: 100 });
      await publisher.publish(descriptionBytes(2_000, 42), 1);
      await network.settled();
      await until(() => receiver.fetching && server.openConnections() > 0, "the fetch's request hanging at the node", { tries: 2_500 });
      await receiver.close();
      expect(receiver.fetching).toBe(false);
      expect(receiver.heldClock).toBeUndefined();
      server.closeIdleConnections();
      await until(() => server.openConnections() === 0, "the hung request's connection closed by the client", { tries: 2_500 });
    } finally {
      await receiver.close();
      publisher.close();
      await network.close();
      await server.close();
    }
  });
});
