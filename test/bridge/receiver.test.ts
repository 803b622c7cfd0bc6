import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import { DescriptionReceiver } from "../../src/bridge/receiver.js";
import { stateReceiverStore } from "../../src/bridge/receiver-state.js";
import { sealCommunityDescription, sealCommunityDescriptionPointer } from "../../src/bridge/signed-messages.js";
import { signPayloadBytes } from "../../src/bridge/signed-payload.js";
import { DEFAULT_MAX_PENDING_BYTES, MAX_DESCRIPTION_BYTES } from "../../src/bridge/segment-limits.js";
import { segmentEnvelope } from "../../src/bridge/segment-split.js";
import type { Metrics } from "../../src/obs/index.js";
import { encodeSignedCommunityDescription, encodeWholeEnvelope } from "../../src/wire/index.js";
import { newSecretKey, sha256 } from "../../src/crypto/index.js";
import { openState } from "../../src/state/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { bridgePair, counter, descriptionBytes, INSTANT_RETRY, type BridgePair } from "./bridge-fixture.js";
import { faultyStore } from "./description-store-faults.js";
import { ManualClock } from "./manual-clock.js";

/** Publishes `bytes` at `clock`, waits until the member dropped one thing and fetches nothing, and gives what it dropped. */
async function publishUntilDropped(pair: BridgePair, bytes: Uint8Array, clock: number): Promise<readonly { code: string; reason: string }[]> {
  await pair.publisher.publish(bytes, clock);
  await pair.network.settled();
  await until(() => pair.dropped.length === 1 && !pair.receiver.fetching, `the drop of clock ${clock}`);
  return pair.dropped;
}

describe("DescriptionReceiver: bad input is typed, counted, dropped; never a crash or a hang", () => {
  test("malformed bytes, a forged signature, another community's key, an oversized message: each dropped with its code and reason", async () => {
    const pair = await bridgePair("0.2.0", "0.2.0");
    try {
      const forger = pair.network.transport({ name: "forger" });
      const topic = pair.receiver.contentTopic;
      const v2 = { version: 2, minReader: 1 };
      // Malformed: not an envelope at all.
      await forger.publish(topic, new Uint8Array([0xff, 0x01, 0x02, 0x03]));
      // Forged: the community's own message with one signed byte changed.
      const genuine = sealCommunityDescription({ description: descriptionBytes(500, 1), clock: 7 }, { secretKey: pair.secretKey, ...v2 });
      const forged = Uint8Array.from(genuine.envelope);
      const at = Buffer.from(forged).indexOf(Buffer.from(genuine.payload)) + 60;
      forged[at] = (forged[at] ?? 0) ^ 1;
      await forger.publish(topic, forged);
      // Another key's description (a community whose topic collides, or a forger signing as itself).
      await forger.publish(topic, sealCommunityDescription({ description: descriptionBytes(50, 2), clock: 99 }, { secretKey: newSecretKey(), ...v2 }).envelope);
      // A message above what Waku carries, from a node that does not keep to the limit.
      const loud = pair.network.transport({ name: "loud", maxPayloadBytes: 1024 * 1024 });
      await loud.publish(topic, new Uint8Array(200 * 1024).fill(0x0a));
      await pair.network.settled();
      await until(() => pair.dropped.length >= 3, "the drops");
      expect(pair.dropped).toEqual([
        { code: "E_BRIDGE_UNREADABLE", reason: "malformed" },
        { code: "E_BRIDGE_SIGNATURE_INVALID", reason: "signature" },
        { code: "E_BRIDGE_UNREADABLE", reason: "oversized" },
      ]);
      expect(await counter(pair.metrics, "bridge_dropped_total", { reason: "community" })).toBe(1);
      expect(await counter(pair.metrics, "bridge_received_total")).toBe(4);
      expect(pair.delivered).toEqual([]);
      expect(pair.receiver.fetching).toBe(false);
      // Still taking messages after all that.
      await pair.publisher.publish(descriptionBytes(800, 3), 1);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 1 && !pair.receiver.fetching, "clock 1");
    } finally {
      await pair.close();
    }
  });

  test("altered bytes on Codex: E_BRIDGE_DESCRIPTION_MISMATCH, and the member falls back to the whole copy over Waku", async () => {
    // A 0.3.0 control node sends the pointer alone; the member's fetch gets altered bytes.
    const pair = await bridgePair("0.3.0", "0.2.0", { receiverStore: (store) => faultyStore(store, { alter: (b) => b.map((x, i) => (i === 10 ? x ^ 1 : x)) }) });
    try {
      const bytes = descriptionBytes(3_000, 4);
      expect(await publishUntilDropped(pair, bytes, 1)).toEqual([{ code: "E_BRIDGE_DESCRIPTION_MISMATCH", reason: "mismatch" }]);
      expect(pair.receiver.heldClock).toBeUndefined();
      // The same publication's whole copy (as a 0.2.0 control node also sends it) then wins.
      const whole = sealCommunityDescription({ description: bytes, clock: 1 }, { secretKey: pair.secretKey, version: 2, minReader: 1 });
      await pair.network.transport({ name: "control-whole" }).publish(pair.receiver.contentTopic, whole.envelope);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 1, "clock 1 from the whole copy");
      expect(Buffer.from(pair.receiver.current()?.description ?? []).equals(Buffer.from(bytes))).toBe(true);
      expect(pair.receiver.current()?.source).toBe("waku");
      expect(await counter(pair.metrics, "bridge_fallbacks_total")).toBe(1);
    } finally {
      await pair.close();
    }
  });

  test("a 0.3.0 pointer whose Codex bytes were altered is dropped as a mismatch; nothing wrong is handed on", async () => {
    const pair = await bridgePair("0.3.0", "0.3.0", { receiverStore: (store) => faultyStore(store, { alter: (b) => b.map((x, i) => (i === 10 ? x ^ 1 : x)) }) });
    try {
      expect(await publishUntilDropped(pair, descriptionBytes(3_000, 5), 1)).toEqual([{ code: "E_BRIDGE_DESCRIPTION_MISMATCH", reason: "mismatch" }]);
      expect(pair.delivered).toEqual([]);
      expect(await counter(pair.metrics, "bridge_fetches_total", { outcome: "mismatch" })).toBe(1);
    } finally {
      await pair.close();
    }
  });
});

describe("DescriptionReceiver: a pointer the community signed whose stored description is not the one it names", () => {
  test.each([
    ["another community's description (signed by that community's key)", "other", 5, /another community/],
    ["this community's description of another clock", "own", 3, /clock 3/],
  ] as const)("%s: E_BRIDGE_DESCRIPTION_MISMATCH, nothing handed on, even with the pointer's size and content_hash right", async (_, signer, storedClock, message) => {
    const pair = await bridgePair("0.3.0", "0.3.0");
    try {
      const stored = sealCommunityDescription({ description: descriptionBytes(800, 30), clock: storedClock }, { secretKey: signer === "own" ? pair.secretKey : newSecretKey(), version: 2 });
      const cid = await pair.store.put(stored.payload);
      // The control node's own key signs the pointer: only the fetched description's check can catch it.
      const pointer = sealCommunityDescriptionPointer(
        { clock: 5, cid, contentHash: sha256(stored.payload), size: stored.payload.byteLength, expiresAt: 2_000_000_000 },
        { secretKey: pair.secretKey, version: 2, minReader: 2 },
      );
      const errors: BridgeError[] = [];
      const joiner = await DescriptionReceiver.start({ profile: profileForRelease("0.3.0"), transport: pair.network.transport({ name: "joiner" }), communityId: pair.publisher.communityId, store: pair.store, retry: INSTANT_RETRY, onDropped: (error) => errors.push(error) });
      try {
        await pair.network.transport({ name: "relayer" }).publish(joiner.contentTopic, pointer.envelope);
        await pair.network.settled();
        await until(() => errors.length === 1 && !joiner.fetching, "the mismatch");
        expect(errors[0]?.code).toBe("E_BRIDGE_DESCRIPTION_MISMATCH");
        expect(errors[0]?.message).toMatch(message);
        expect(joiner.heldClock).toBeUndefined();
      } finally {
        await joiner.close();
      }
    } finally {
      await pair.close();
    }
  });
});

describe("DescriptionReceiver: clocks, fetches and close", () => {
  test("a newer pointer cancels the older fetch; only the newer is handed on; close leaves no timer", async () => {
    const clock = new ManualClock();
    let hang = true;
    const pair = await bridgePair("0.3.0", "0.3.0", {
      receiverStore: (store) => faultyStore(store, { hangGet: () => hang }),
      receiver: { clock, retry: { ...INSTANT_RETRY, attemptTimeoutMs: 1_000 } },
    });
    try {
      await pair.publisher.publish(descriptionBytes(1_000, 6), 1);
      await pair.network.settled();
      await until(() => pair.receiver.fetching, "the fetch of clock 1");
      hang = false;
      const newer = descriptionBytes(2_000, 7);
      await pair.publisher.publish(newer, 2);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 2 && !pair.receiver.fetching, "clock 2");
      expect(pair.delivered.map((d) => d.clock)).toEqual([2]);
      expect(Buffer.from(pair.receiver.current()?.description ?? []).equals(Buffer.from(newer))).toBe(true);
      expect(await counter(pair.metrics, "bridge_fetches_total", { outcome: "cancelled" })).toBe(1);
      // An older pointer after that: stale.
      expect(clock.pending).toBe(0);
      hang = true;
      await pair.publisher.publish(descriptionBytes(500, 8), 3);
      await pair.network.settled();
      await until(() => pair.receiver.fetching, "the fetch of clock 3");
      await pair.receiver.close();
      expect(pair.receiver.fetching).toBe(false);
      expect(clock.pending).toBe(0);
      await pair.receiver.close();
    } finally {
      await pair.close();
    }
  });

  test("the clock held survives a restart through the state file: an older description after it is dropped as stale", async () => {
    const dir = tempDir("scc-bridge-");
    const first = await bridgePair("0.2.0", "0.2.0", { dir });
    const secretKey = first.secretKey;
    try {
      await first.publisher.publish(descriptionBytes(700, 9), 5);
      await first.network.settled();
      await until(() => first.receiver.heldClock === 5 && !first.receiver.fetching, "clock 5");
    } finally {
      await first.close();
    }
    const state = await openState({ path: join(dir, "member.sqlite"), level: 2 });
    const dropped: string[] = [];
    const pair = await bridgePair("0.2.0", "0.2.0", { dir: tempDir("scc-bridge-") });
    const receiver = await DescriptionReceiver.start({
      profile: profileForRelease("0.2.0"),
      transport: pair.network.transport({ name: "restarted" }),
      communityId: first.publisher.communityId,
      held: stateReceiverStore(state),
      onDropped: (_e: BridgeError, reason) => dropped.push(reason),
      metrics: pair.metrics,
    });
    try {
      expect(receiver.heldClock).toBe(5);
      const old = sealCommunityDescription({ description: descriptionBytes(100, 10), clock: 4 }, { secretKey, version: 2, minReader: 1 });
      await pair.network.transport({ name: "old" }).publish(receiver.contentTopic, old.envelope);
      await pair.network.settled();
      // settled(): delivered, and the receiver takes a message synchronously as it is delivered.
      expect(dropped).toEqual([]);
      expect(await counter(pair.metrics, "bridge_dropped_total", { reason: "stale" })).toBe(1);
      expect(receiver.heldClock).toBe(5);
    } finally {
      await receiver.close();
      state.close();
      await pair.close();
    }
  });

  test("a pointer kept in the state but never fetched (every attempt failed) is fetched again when the member restarts", async () => {
    const dir = tempDir("scc-bridge-");
    const first = await bridgePair("0.3.0", "0.3.0", { dir, receiverStore: (store) => faultyStore(store, { failGet: () => true }) });
    const bytes = descriptionBytes(5_000, 13);
    try {
      expect(await publishUntilDropped(first, bytes, 4)).toEqual([{ code: "E_BRIDGE_FETCH_FAILED", reason: "fetch-failed" }]);
      expect(first.receiver.heldClock).toBeUndefined();
    } finally {
      await first.close();
    }
    // The same state file and the same store (its files stay in dir), the store reachable now.
    const again = await bridgePair("0.3.0", "0.3.0", { dir, secretKey: first.secretKey });
    try {
      await until(() => again.receiver.heldClock === 4 && !again.receiver.fetching, "clock 4 after the restart");
      expect(again.delivered.map((d) => [d.clock, d.source])).toEqual([[4, "codex"]]);
      expect(Buffer.from(again.receiver.current()?.description ?? []).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await again.close();
    }
  });

  test("a joiner whose fetch failed for good (E_BRIDGE_FETCH_FAILED, no whole copy from a 0.3.0 control node) takes that clock from the control node's next republish", async () => {
    let failing = true;
    const pair = await bridgePair("0.3.0", "0.3.0", { receiverStore: (store) => faultyStore(store, { failGet: () => failing }) });
    try {
      expect(await publishUntilDropped(pair, descriptionBytes(5_000, 14), 6)).toEqual([{ code: "E_BRIDGE_FETCH_FAILED", reason: "fetch-failed" }]);
      failing = false;
      await pair.publisher.republish();
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === 6 && !pair.receiver.fetching, "clock 6 from the republished pointer");
      expect(pair.delivered.map((d) => [d.clock, d.source])).toEqual([[6, "codex"]]);
    } finally {
      await pair.close();
    }
  });

  test("a publish whose clock does not grow is E_BRIDGE_CLOCK_NOT_ADVANCED before anything is sent", async () => {
    const pair = await bridgePair("0.2.0", "0.2.0");
    try {
      await pair.publisher.publish(descriptionBytes(100, 11), 3);
      for (const clock of [3, 2]) {
        const error = await pair.publisher.publish(descriptionBytes(100, 12), clock).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BridgeError);
        expect((error as BridgeError).code).toBe("E_BRIDGE_CLOCK_NOT_ADVANCED");
      }
      expect(await counter(pair.metrics, "bridge_published_total", { path: "pointer" })).toBe(1);
    } finally {
      await pair.close();
    }
  });
});

describe("DescriptionReceiver's retry option", () => {
  test.each([
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ attemptTimeoutMs: Number.NaN }, /attemptTimeoutMs/],
    [{ deadlineMs: "60000" as unknown as number }, /deadlineMs/],
    [{ baseDelayMs: -1 }, /baseDelayMs/],
  ])("a field the storage client would refuse (%o) is a RangeError naming it, at start, before anything is subscribed", async (retry, field) => {
    // They were merged unchecked: maxAttempts 0 made every fetch fail at once without a request,
    // a NaN timeout fired at once and timed every attempt out.
    const bridge = await bridgePair("0.3.0", "0.3.0");
    try {
      const transport = bridge.network.transport({ name: "checked" });
      await expect(DescriptionReceiver.start({ profile: profileForRelease("0.3.0"), transport, communityId: bridge.publisher.communityId, store: bridge.store, retry })).rejects.toThrow(RangeError);
      await expect(DescriptionReceiver.start({ profile: profileForRelease("0.3.0"), transport, communityId: bridge.publisher.communityId, store: bridge.store, retry })).rejects.toThrow(field);
    } finally {
      await bridge.close();
    }
  });
});

describe("DescriptionReceiver: clocks at the edge of what a JS number holds", () => {
  test("2^53 - 1 is handed on; a clock above it, validly signed by the community, is E_BRIDGE_UNREADABLE and never handed on rounded", async () => {
    const pair = await bridgePair("0.1.0", "0.2.0");
    try {
      const v2 = { version: 2, minReader: 1 };
      const topic = pair.receiver.contentTopic;
      const forwarder = pair.network.transport({ name: "forwarder" });
      // 2^53 - 1 is the varint ff ff ff ff ff ff ff 0f; its last byte 7f makes 2^56 - 1, the same length.
      const unsigned = encodeSignedCommunityDescription({ communityId: pair.publisher.communityId, clock: Number.MAX_SAFE_INTEGER, description: descriptionBytes(40, 9), signature: new Uint8Array(65) }, 2);
      const at = Buffer.from(unsigned).indexOf(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]));
      expect(at).toBeGreaterThan(0);
      const above = Uint8Array.from(unsigned);
      above[at + 7] = 0x7f;
      const payload = signPayloadBytes("community-description", above, pair.secretKey);
      await forwarder.publish(topic, encodeWholeEnvelope({ ...v2, fallbackText: "", type: "community-description", payload }));
      await pair.network.settled();
      await until(() => pair.dropped.length === 1, "the drop");
      expect(pair.dropped).toEqual([{ code: "E_BRIDGE_UNREADABLE", reason: "malformed" }]);
      expect(pair.delivered).toEqual([]);
      await pair.publisher.publish(descriptionBytes(40, 10), Number.MAX_SAFE_INTEGER);
      await pair.network.settled();
      await until(() => pair.receiver.heldClock === Number.MAX_SAFE_INTEGER, "clock 2^53 - 1");
      await expect(pair.publisher.publish(descriptionBytes(40, 11), 2 ** 53)).rejects.toThrow(RangeError);
    } finally {
      await pair.close();
    }
  });
});

describe("DescriptionReceiver: what a flood of segments holds is on a gauge", () => {
  test("forged segments that never complete raise bridge_segments_pending_bytes up to the reassembler's bound, summed over the receivers of a registry; close() takes each one's share off", async () => {
    const pair = await bridgePair("0.1.0", "0.2.0");
    const second = await DescriptionReceiver.start({ profile: profileForRelease("0.2.0"), transport: pair.network.transport({ name: "second" }), communityId: pair.publisher.communityId, metrics: pair.metrics });
    try {
      const flooder = pair.network.transport({ name: "flooder" });
      // Three 8 MiB wholes, all but their last segment each: 24 MiB sent, at most 16 MiB held per receiver.
      for (let w = 0; w < 3; w++) {
        const segments = segmentEnvelope(new Uint8Array(MAX_DESCRIPTION_BYTES - 1_000).fill(w + 1), { version: 2, minReader: 1 });
        for (const segment of segments.slice(0, -1)) await flooder.publish(pair.receiver.contentTopic, segment);
        await pair.network.settled();
      }
      const held = await gauge(pair.metrics, "bridge_segments_pending_bytes");
      expect(held).toBeGreaterThan(DEFAULT_MAX_PENDING_BYTES);
      expect(held).toBeLessThanOrEqual(2 * DEFAULT_MAX_PENDING_BYTES);
      await second.close();
      const one = await gauge(pair.metrics, "bridge_segments_pending_bytes");
      expect(one).toBeGreaterThan(0);
      expect(one).toBeLessThanOrEqual(DEFAULT_MAX_PENDING_BYTES);
      await pair.receiver.close();
      expect(await gauge(pair.metrics, "bridge_segments_pending_bytes")).toBe(0);
    } finally {
      await second.close();
      await pair.close();
    }
  });
});

async function gauge(metrics: Metrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(metrics.prefix + name);
  return metric === undefined ? 0 : ((await metric.get()).values[0]?.value ?? 0);
}
