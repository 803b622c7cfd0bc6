import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import { DEFAULT_REPUBLISH_INTERVAL_MS, DESCRIPTION_TTL_SECONDS, DescriptionPublisher } from "../../src/bridge/publisher.js";
import { DescriptionReceiver, type ReceivedDescription } from "../../src/bridge/receiver.js";
import { MemoryNetwork } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { createLogger, createMetrics, type Logger } from "../../src/obs/index.js";
import { createLocalBackend } from "../../src/storage/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { counter, descriptionBytes, INSTANT_RETRY } from "./bridge-fixture.js";
import { reportOfChildEndingByItself } from "./child-ends.js";
import { faultyStore } from "./description-store-faults.js";
import { ManualClock } from "./manual-clock.js";

/**
 * A new joiner (or a member offline at the time) arriving after a publication: Status's asks a
 * store node, the bridge has none, so the topic is all it has. Without republish it got nothing
 * until the next change of the description.
 */
async function setup(release: string, republishIntervalMs?: number | false, logger?: Logger) {
  const dir = tempDir("scc-republish-");
  const network = new MemoryNetwork();
  const backend = createLocalBackend({ dir: join(dir, "store") });
  const store = descriptionStoreOn(backend);
  const clock = new ManualClock();
  const metrics = createMetrics();
  const publisher = new DescriptionPublisher({
    profile: profileForRelease(release),
    transport: network.transport({ name: "control" }),
    store,
    secretKey: newSecretKey(),
    clock,
    metrics,
    ...(logger === undefined ? {} : { logger }),
    ...(republishIntervalMs === undefined ? {} : { republishIntervalMs }),
  });
  const receivers: DescriptionReceiver[] = [];
  const join_ = async (member: string) => {
    const delivered: ReceivedDescription[] = [];
    const receiver = await DescriptionReceiver.start({
      profile: profileForRelease(member),
      transport: network.transport(),
      communityId: publisher.communityId,
      store,
      retry: INSTANT_RETRY,
      clock,
      metrics,
      onDescription: (d) => delivered.push(d),
    });
    receivers.push(receiver);
    return { receiver, delivered };
  };
  return {
    network,
    publisher,
    clock,
    metrics,
    join: join_,
    async close() {
      for (const r of receivers) await r.close();
      publisher.close();
      await network.close();
      await backend.close();
    },
  };
}

describe("DescriptionPublisher.republish: a member who joins after a publication gets it", () => {
  test.each([
    ["0.3.0", "0.3.0", "codex"],
    ["0.2.0", "0.1.0", "waku"],
    ["0.2.0", "0.3.0", "waku"],
  ] as const)("a %s control node, a %s joiner: nothing until the republish, then the newest clock byte-exact (via %s); a member holding it is not handed it again", async (from, to, source) => {
    const bridge = await setup(from);
    try {
      const early = await bridge.join(to);
      const bytes = descriptionBytes(200_000, 5); // segmented on the whole path
      await bridge.publisher.publish(descriptionBytes(100, 4), 1);
      const first = await bridge.publisher.publish(bytes, 2);
      await bridge.network.settled();
      await until(() => early.receiver.heldClock === 2 && !early.receiver.fetching, "the early member's clock 2");
      const joiner = await bridge.join(to);
      await bridge.network.settled();
      expect(joiner.delivered).toEqual([]);
      expect(await bridge.publisher.republish()).toEqual(first);
      await bridge.network.settled();
      await until(() => joiner.receiver.heldClock === 2 && !joiner.receiver.fetching, "the joiner's clock 2");
      expect(joiner.delivered.map((d) => ({ clock: d.clock, source: d.source, same: Buffer.compare(Buffer.from(d.description), Buffer.from(bytes)) === 0 }))).toEqual([{ clock: 2, source, same: true }]);
      expect(early.delivered.map((d) => d.clock)).toEqual([1, 2]);
      // Nothing stored anew: the republish sent the kept messages.
      expect(await counter(bridge.metrics, "bridge_published_total", { path: "store" })).toBe(2);
    } finally {
      await bridge.close();
    }
  });

  test.each([
    ["given (60 s)", 60_000],
    ["by default: hourly (DEFAULT_REPUBLISH_INTERVAL_MS, status-go's order)", undefined],
  ] as const)("republishIntervalMs %s sends the newest publication again on one clock timer, armed by the publish, not a millisecond early; close() leaves no timer", async (_, interval) => {
    const every = interval ?? DEFAULT_REPUBLISH_INTERVAL_MS;
    const bridge = await setup("0.3.0", interval);
    try {
      expect(bridge.clock.pending).toBe(0);
      await bridge.publisher.publish(descriptionBytes(300, 6), 1);
      await bridge.publisher.publish(descriptionBytes(300, 16), 2);
      expect(bridge.clock.pending).toBe(1);
      const joiner = await bridge.join("0.3.0");
      await bridge.network.settled();
      bridge.clock.advance(every - 1);
      await bridge.network.settled();
      expect(joiner.delivered).toEqual([]);
      bridge.clock.advance(1);
      await until(() => joiner.receiver.heldClock === 2 && !joiner.receiver.fetching, "the joiner's clock 2");
      await until(() => bridge.clock.pending === 1, "the next republish armed");
      bridge.publisher.close();
      expect(bridge.clock.pending).toBe(0);
      await expect(bridge.publisher.republish()).rejects.toMatchObject({ code: "E_BRIDGE_CLOSED" });
    } finally {
      await bridge.close();
    }
  });

  test("the default interval is an hour; republishIntervalMs: false arms no timer", async () => {
    expect(DEFAULT_REPUBLISH_INTERVAL_MS).toBe(3_600_000);
    const off = await setup("0.3.0", false);
    try {
      await off.publisher.publish(descriptionBytes(300, 17), 1);
      expect(off.clock.pending).toBe(0);
    } finally {
      await off.close();
    }
  });

  test("on the system clock the default republish timer does not hold a process: a control node never closed ends by itself", async () => {
    expect(await reportOfChildEndingByItself("test/bridge/republish-default-child.ts")).toEqual({ clock: 1, wholeMessages: 1 });
  });

  test("before any publication republish resolves undefined; a bad interval is a RangeError naming it", async () => {
    const bridge = await setup("0.2.0");
    try {
      expect(await bridge.publisher.republish()).toBeUndefined();
      expect(() => new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: bridge.network.transport(), secretKey: newSecretKey(), republishIntervalMs: 0 })).toThrow(/republishIntervalMs/);
    } finally {
      await bridge.close();
    }
  });

  test("a member holding a segmented publication does not put its republished segments together and verify them again (one keccak256 of the description each time: 0.15-0.3 s of its event loop for 1.5 MB)", async () => {
    const bridge = await setup("0.1.0");
    try {
      const member = await bridge.join("0.2.0");
      await bridge.publisher.publish(descriptionBytes(400_000, 8), 1);
      await bridge.network.settled();
      await until(() => member.receiver.heldClock === 1, "clock 1");
      const verifiedBefore = await counter(bridge.metrics, "bridge_verified_total", { path: "segment" });
      expect(verifiedBefore).toBe(1);
      // Past the reassembler's TTL (2 minutes; status-go re-advertises hourly), which is what kept
      // a whole's late segments duplicates until now.
      bridge.clock.advance(3_600_000);
      await bridge.publisher.republish();
      await bridge.network.settled();
      const joiner = await bridge.join("0.2.0");
      await bridge.publisher.republish();
      await bridge.network.settled();
      await until(() => joiner.receiver.heldClock === 1, "the joiner's clock 1");
      // The joiner verified it once; the member none again.
      expect(await counter(bridge.metrics, "bridge_verified_total", { path: "segment" })).toBe(2);
      expect(member.delivered.map((d) => d.clock)).toEqual([1]);
    } finally {
      await bridge.close();
    }
  });

  test("a publish that fails half-way leaves the last publication that went out to be republished, and the periodic republish armed", async () => {
    const bridge = await setup("0.3.0", 60_000);
    try {
      const first = await bridge.publisher.publish(descriptionBytes(300, 12), 1);
      const aborted = new AbortController();
      aborted.abort(new Error("the app gave up"));
      await expect(bridge.publisher.publish(descriptionBytes(300, 13), 2, { signal: aborted.signal })).rejects.toThrow();
      expect(bridge.clock.pending).toBe(1);
      const joiner = await bridge.join("0.3.0");
      expect(await bridge.publisher.republish()).toEqual(first);
      await bridge.network.settled();
      await until(() => joiner.receiver.heldClock === 1 && !joiner.receiver.fetching, "the joiner's clock 1");
    } finally {
      await bridge.close();
    }
  });

  test("a publish whose store never answers, its signal ignored, ends with the signal's reason when it fires; its pointer does not go out", async () => {
    const bridge = await setup("0.3.0", false);
    const network = bridge.network;
    const backend = createLocalBackend({ dir: tempDir("scc-stuck-") });
    const store = faultyStore(descriptionStoreOn(backend), { deafPut: true });
    const stuck = new DescriptionPublisher({ profile: profileForRelease("0.3.0"), transport: network.transport({ name: "stuck-control" }), store, secretKey: newSecretKey(), republishIntervalMs: false });
    try {
      const seen: Uint8Array[] = [];
      await bridge.network.transport({ name: "watcher" }).subscribe(stuck.contentTopic, (m) => void seen.push(m.payload));
      const controller = new AbortController();
      let settled = false;
      const publishing = stuck.publish(descriptionBytes(300, 18), 1, { signal: controller.signal }).finally(() => (settled = true));
      publishing.catch(() => undefined);
      await until(() => store.puts === 1, "the put");
      const reason = new Error("the app gave up");
      controller.abort(reason);
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(true);
      await expect(publishing).rejects.toBe(reason);
      await network.settled();
      expect(seen).toEqual([]);
      await expect(stuck.publish(descriptionBytes(300, 19), 1)).rejects.toMatchObject({ code: "E_BRIDGE_CLOCK_NOT_ADVANCED" });
    } finally {
      stuck.close();
      await bridge.close();
      await backend.close();
    }
  });

  test("a republish past the pointer's expires_at (Codex's 30-day TTL) warns the operator to publish anew; before it, no warning", async () => {
    const out = new LogCapture();
    const bridge = await setup("0.3.0", undefined, createLogger({ level: "debug", destination: out }));
    try {
      await bridge.publisher.publish(descriptionBytes(300, 14), 1);
      await bridge.publisher.republish();
      expect(out.lines().filter((l) => l.level === 40)).toEqual([]);
      bridge.clock.advance(DESCRIPTION_TTL_SECONDS * 1000);
      await bridge.publisher.republish();
      expect(out.lines().filter((l) => l.level === 40).map((l) => [l.clock, l.msg])).toEqual([[1, "republishing a pointer past its expires_at: publish the description again with the next clock"]]);
    } finally {
      await bridge.close();
    }
  });
});
