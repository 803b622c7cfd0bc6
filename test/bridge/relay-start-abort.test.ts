import { describe, expect, test, vi } from "vitest";
import { failure } from "../support/thrown.js";
import { until } from "../support/until.js";

/**
 * createRelayTransport's signal ends the start whatever js-waku's start does. A libp2p start only
 * listens on 127.0.0.1 and starts local services, so a start that never settles cannot be made with
 * real peers: the real node's start is held back by a gate (js-waku's module replaced by itself,
 * its createRelayNode wrapped), the narrowest seam.
 */
interface NodeLike {
  start(): Promise<void>;
}

describe("createRelayTransport: an abort during a node start that does not settle", () => {
  test("rejects with the signal's reason before the next turn of the event loop, and stops the node once its start settles", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const nodes: NodeLike[] = [];
    let startsDone = 0;
    vi.doMock("@waku/sdk/relay", async (importOriginal) => {
      const real = await importOriginal<{ createRelayNode: (options: unknown) => Promise<NodeLike> }>();
      return {
        ...real,
        createRelayNode: async (options: unknown) => {
          const node = await real.createRelayNode(options);
          const start = node.start.bind(node);
          node.start = () =>
            gate.then(start).then(() => {
              startsDone++;
            });
          nodes.push(node);
          return node;
        },
      };
    });
    try {
      const { createRelayTransport } = await import("../../src/bridge/transports/relay.js");
      const controller = new AbortController();
      let settled = false;
      const starting = failure(() => createRelayTransport({ signal: controller.signal })).finally(() => (settled = true));
      await until(() => nodes.length === 1, "the node made", { tries: 2_000 });
      const reason = new Error("the app stopped");
      controller.abort(reason);
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(true);
      expect(await starting).toBe(reason);
      // The start js-waku was still running completes later: the node is stopped then, not left listening.
      release();
      await until(() => startsDone === 1 && stopped(nodes[0]!), "the node stopped after its start", { tries: 2_000 });
    } finally {
      release();
      vi.doUnmock("@waku/sdk/relay");
    }
  });
});

/** Whether the node's libp2p is stopped (as it is before its start too: asked once the start has run). */
function stopped(node: NodeLike): boolean {
  const libp2p = (node as unknown as { libp2p: { status?: string } }).libp2p;
  return libp2p.status === "stopped";
}
