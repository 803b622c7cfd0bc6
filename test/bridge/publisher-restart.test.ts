import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { communityHex } from "../../src/bridge/community-topic.js";
import type { DescriptionStore } from "../../src/bridge/description-store.js";
import { descriptionStoreOn } from "../../src/bridge/description-store-backend.js";
import { DEFAULT_REPUBLISH_INTERVAL_MS, DESCRIPTION_TTL_SECONDS, DescriptionPublisher, RESTART_REPUBLISH_DELAY_MS } from "../../src/bridge/publisher.js";
import { DescriptionReceiver, type ReceivedDescription } from "../../src/bridge/receiver.js";
import { memoryReceiverStore, stateReceiverStore } from "../../src/bridge/receiver-state.js";
import { MemoryNetwork } from "../../src/bridge/transports/memory.js";
import { newSecretKey } from "../../src/crypto/index.js";
import { communityAudience, type Audience } from "../../src/negotiate/index.js";
import { createLogger, createMetrics, type Logger } from "../../src/obs/index.js";
import { communityRows, openState, type StateHandle } from "../../src/state/index.js";
import { createLocalBackend } from "../../src/storage/index.js";
import { profileForRelease } from "../../src/versions/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { counter, descriptionBytes, INSTANT_RETRY } from "./bridge-fixture.js";
import { ManualClock } from "./manual-clock.js";

/**
 * A control node that restarts (the app closed, the phone rebooted) on the same state file: the
 * publisher keeps its last publication in the state's `communities` and `cd_pointers` rows, knows
 * its last clock from them and republishes the same signed bytes at once.
 */
async function world(release: string) {
  const dir = tempDir("scc-restart-");
  const network = new MemoryNetwork();
  const backend = createLocalBackend({ dir: join(dir, "store") });
  const backendStore = descriptionStoreOn(backend);
  /** Set to make the store refuse what it is given (a Codex node down). */
  const faults = { failPuts: false };
  const store: DescriptionStore = {
    kind: backendStore.kind,
    put: (bytes, options) => (faults.failPuts ? Promise.reject(new Error("store down")) : backendStore.put(bytes, options)),
    get: (cid, options) => backendStore.get(cid, options),
  };
  const clock = new ManualClock();
  const statePath = join(dir, "control.sqlite");
  const secretKey = newSecretKey();
  const opened: StateHandle[] = [];
  const publishers: DescriptionPublisher[] = [];
  const receivers: DescriptionReceiver[] = [];
  /** What the topic carried, every message as sent. */
  const seen: Uint8Array[] = [];
  const listener = network.transport({ name: "listener" });
  const listening = new Set<string>();
  const control = async (options: { key?: Uint8Array; lastClock?: number; logger?: Logger; audience?: Audience; republishIntervalMs?: number } = {}) => {
    const state = await openState({ path: statePath, release });
    opened.push(state);
    const metrics = createMetrics();
    const publisher = new DescriptionPublisher({
      profile: profileForRelease(release),
      transport: network.transport(),
      store,
      secretKey: options.key ?? secretKey,
      held: stateReceiverStore(state),
      clock,
      metrics,
      ...(options.lastClock === undefined ? {} : { lastClock: options.lastClock }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.republishIntervalMs === undefined ? {} : { republishIntervalMs: options.republishIntervalMs }),
    });
    publishers.push(publisher);
    if (!listening.has(publisher.contentTopic)) {
      listening.add(publisher.contentTopic);
      await listener.subscribe(publisher.contentTopic, (m) => seen.push(m.payload));
    }
    /** The app closes: the publisher and its state handle go. */
    const restart = () => {
      publisher.close();
      state.close();
    };
    return { publisher, state, metrics, restart };
  };
  const join_ = async (communityId: Uint8Array) => {
    const delivered: ReceivedDescription[] = [];
    const receiver = await DescriptionReceiver.start({ profile: profileForRelease(release), transport: network.transport(), communityId, store, retry: INSTANT_RETRY, clock, onDescription: (d) => delivered.push(d) });
    receivers.push(receiver);
    return { receiver, delivered };
  };
  return {
    network,
    clock,
    seen,
    faults,
    control,
    join: join_,
    async close() {
      for (const r of receivers) await r.close();
      for (const p of publishers) p.close();
      for (const s of opened) if (s.db.open) s.close();
      await network.close();
      await backend.close();
    },
  };
}

/** A message named by its sha256: equal names, equal bytes (and a short failure message). */
/** Runs `body` in a world of `release`, closing everything it opened whatever happens. */
async function inWorld(release: string, body: (w: Awaited<ReturnType<typeof world>>) => Promise<void>): Promise<void> {
  const w = await world(release);
  try {
    await body(w);
  } finally {
    await w.close();
  }
}

const hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Each release's kept tables (0.1.0 keeps no pointer). */
const FORGED_ROWS = [
  ["0.1.0", "communities"],
  ["0.2.0", "communities"],
  ["0.2.0", "cd_pointers"],
  ["0.3.0", "cd_pointers"],
  ["0.3.0", "communities"],
] as const;

/**
 * Raises the kept row of `table` to a clock the control node never signed, above every clock the
 * app will use (a tampered or foreign file); returns that clock.
 */
function forgeRow(state: StateHandle, id: string, table: "communities" | "cd_pointers"): number {
  const rows = communityRows(state);
  const forgedClock = 2 ** 40;
  if (table === "communities") {
    const row = rows.community(id);
    if (row === undefined) throw new Error("no communities row kept");
    rows.putCommunity({ ...row, clock: forgedClock });
  } else {
    const row = rows.pointer(id);
    if (row === undefined) throw new Error("no cd_pointers row kept");
    rows.putPointer({ ...row, clock: forgedClock, cid: "zDvForgedCid" });
  }
  return forgedClock;
}

describe("DescriptionPublisher on the state: a restarted control node knows its clock and republishes its last publication", () => {
  test.each([
    ["0.1.0", "waku", 2],
    ["0.2.0", "waku", 3],
    ["0.3.0", "codex", 1],
  ] as const)("%s: restarted on the same state file, the last clock is refused and the republish reaches a new joiner byte-exact (via %s) with the messages first sent", async (release, source, messagesPerPublication) => {
    await inWorld(release, async (w) => {
    const first = await w.control();
    const bytes = descriptionBytes(200_000, 21); // two segments on the whole path
    await first.publisher.publish(descriptionBytes(100, 20), 1);
    await w.network.settled();
    const before = w.seen.length;
    const report = await first.publisher.publish(bytes, 2);
    await w.network.settled();
    const sent = w.seen.slice(before).map(hex);
    expect(sent).toHaveLength(messagesPerPublication);
    first.restart();

    const second = await w.control();
    expect(second.publisher.lastClock).toBe(2);
    await expect(second.publisher.publish(descriptionBytes(100, 22), 2)).rejects.toMatchObject({ code: "E_BRIDGE_CLOCK_NOT_ADVANCED" });
    const joiner = await w.join(second.publisher.communityId);
    await w.network.settled();
    expect(joiner.delivered).toEqual([]);
    const again = w.seen.length;
    expect(await second.publisher.republish()).toEqual(report);
    await w.network.settled();
    await until(() => joiner.receiver.heldClock === 2 && !joiner.receiver.fetching, "the joiner's clock 2");
    expect(joiner.delivered.map((d) => ({ clock: d.clock, source: d.source, same: Buffer.compare(Buffer.from(d.description), Buffer.from(bytes)) === 0 }))).toEqual([{ clock: 2, source, same: true }]);
    // The same signed bytes: nothing signed or stored anew.
    expect(w.seen.slice(again).map(hex)).toEqual(sent);
    expect(await counter(second.metrics, "bridge_published_total", { path: "store" })).toBe(0);

    await second.publisher.publish(descriptionBytes(100, 23), 3);
    if (release === "0.3.0") {
      // The next pointer supersedes the one kept from before the restart.
      expect(communityRows(second.state).pointer(communityHex(second.publisher.communityId))).toMatchObject({ clock: 3, supersedesClock: 2, supersedesCid: report.pointer?.cid });
    }
    });
  });

  test.each([
    ["0.2.0", 3, 3],
    ["0.3.0", 2, 2],
  ] as const)("%s: a publish whose store fails is kept across a restart only if something of it went out (the whole copy): last clock %i, republished clock %i", async (release, last, republished) => {
    await inWorld(release, async (w) => {
    const first = await w.control();
    await first.publisher.publish(descriptionBytes(100, 70), 2);
    w.faults.failPuts = true;
    await expect(first.publisher.publish(descriptionBytes(100, 71), 3)).rejects.toThrow(/store down/);
    w.faults.failPuts = false;
    first.restart();
    const second = await w.control();
    expect(second.publisher.lastClock).toBe(last);
    expect((await second.publisher.republish())?.clock).toBe(republished);
    });
  });

  test("a state file of another community's control node is not taken for this one", async () => {
    await inWorld("0.2.0", async (w) => {
    const other = await w.control();
    await other.publisher.publish(descriptionBytes(100, 30), 7);
    other.restart();
    const ours = await w.control({ key: newSecretKey() });
    expect(ours.publisher.lastClock).toBeUndefined();
    expect(await ours.publisher.republish()).toBeUndefined();
    expect((await ours.publisher.publish(descriptionBytes(100, 31), 1)).clock).toBe(1);
    // The other community's rows are untouched.
    const rows = communityRows(ours.state);
    expect(rows.community(communityHex(other.publisher.communityId))?.clock).toBe(7);
    expect(rows.community(communityHex(ours.publisher.communityId))?.clock).toBe(1);
    });
  });

  test.each(FORGED_ROWS)("%s: a kept %s row its key did not sign is refused at start (a typed error, a warn log): its clock is not taken, nothing of it is sent, the verified row still is", async (release, forged) => {
    const out = new LogCapture();
    await inWorld(release, async (w) => {
      const first = await w.control();
      const report = await first.publisher.publish(descriptionBytes(100, 80), 3);
      const id = communityHex(first.publisher.communityId);
      const forgedClock = forgeRow(first.state, id, forged);
      first.restart();
      await w.network.settled();
      const second = await w.control({ logger: createLogger({ level: "debug", destination: out }) });
      // The other path's row verified: it gives the last clock (3); without one, nothing does.
      const otherRowKept = release !== "0.1.0";
      expect(second.publisher.lastClock).toBe(otherRowKept ? 3 : undefined);
      const refusal = { code: "E_BRIDGE_SIGNATURE_INVALID", details: expect.objectContaining({ fault: "other-signer" }) };
      expect(second.publisher.refusedRows).toEqual([expect.objectContaining(refusal)]);
      expect(out.lines().filter((l) => l.level === 40).map((l) => [l.row, l.clock, l.code, l.msg])).toEqual([
        [forged, forgedClock, "E_BRIDGE_SIGNATURE_INVALID", "a kept row that does not verify under the community's key was not taken: neither its clock nor its bytes"],
      ]);
      const before = w.seen.length;
      const again = await second.publisher.republish();
      await w.network.settled();
      const republishesPointer = release !== "0.1.0" && forged !== "cd_pointers";
      const republishesWhole = release !== "0.3.0" && forged !== "communities";
      expect(again === undefined ? undefined : { clock: again.clock, whole: again.wholeMessages, pointer: again.pointer?.cid }).toEqual(
        republishesPointer || republishesWhole ? { clock: 3, whole: republishesWhole ? report.wholeMessages : 0, pointer: republishesPointer ? report.pointer?.cid : undefined } : undefined,
      );
      expect(w.seen.length - before).toBe((republishesWhole ? report.wholeMessages : 0) + (republishesPointer ? 1 : 0));
      // The next publication goes out at a clock of the app's choosing above the verified one; a
      // 0.3.0 pointer supersedes the verified pointer, never the forged one.
      const next = await second.publisher.publish(descriptionBytes(100, 81), 4);
      expect(next.clock).toBe(4);
      if (release === "0.3.0" && forged === "communities") {
        expect(communityRows(second.state).pointer(id)).toMatchObject({ clock: 4, supersedesClock: 3, supersedesCid: report.pointer?.cid });
      }
    });
  });

  test.each(FORGED_ROWS)("%s: the control node's next publication replaces a refused %s row kept above its clock, so the restart after it takes that publication", async (release, forged) => {
    await inWorld(release, async (w) => {
      const first = await w.control();
      await first.publisher.publish(descriptionBytes(100, 70), 3);
      const id = communityHex(first.publisher.communityId);
      forgeRow(first.state, id, forged);
      first.restart();
      const second = await w.control();
      expect(second.publisher.refusedRows.map((e) => e.code)).toEqual(["E_BRIDGE_SIGNATURE_INVALID"]);
      const next = await second.publisher.publish(descriptionBytes(100, 71), 4);
      await w.network.settled();
      const kept = communityRows(second.state);
      expect(kept.community(id)?.clock).toBe(4);
      if (release !== "0.1.0") expect(kept.pointer(id)).toMatchObject({ clock: 4, cid: next.pointer?.cid });
      // Replaced once: the publication after it is kept by the ordinary rising write.
      await second.publisher.publish(descriptionBytes(100, 72), 5);
      second.restart();
      const third = await w.control();
      expect(third.publisher.refusedRows).toEqual([]);
      expect(third.publisher.lastClock).toBe(5);
      expect((await third.publisher.republish())?.clock).toBe(5);
    });
  });

  test("memoryReceiverStore does the same: a refused row there is replaced by the next publication, and only the row refused", async () => {
    const network = new MemoryNetwork();
    const held = memoryReceiverStore();
    const secretKey = newSecretKey();
    const make = () => new DescriptionPublisher({ profile: profileForRelease("0.1.0"), transport: network.transport(), secretKey, held, republishIntervalMs: false });
    try {
      const first = make();
      await first.publish(descriptionBytes(100, 60), 3);
      first.close();
      const id = communityHex(first.communityId);
      const row = held.community(id);
      if (row === undefined) throw new Error("no communities row kept");
      held.putCommunity({ ...row, clock: 2 ** 40 });
      // Another row than the one refused stays: the replace is for that row only.
      expect(held.replaceCommunity?.({ ...row, clock: 5 }, { clock: 2 ** 40, signature: new Uint8Array(65) })).toBe(false);
      const second = make();
      expect(second.refusedRows.map((e) => e.code)).toEqual(["E_BRIDGE_SIGNATURE_INVALID"]);
      await second.publish(descriptionBytes(100, 61), 4);
      second.close();
      expect(held.community(id)?.clock).toBe(4);
      const third = make();
      expect(third.refusedRows).toEqual([]);
      expect(third.lastClock).toBe(4);
      third.close();
    } finally {
      await network.close();
    }
  });

  test("lastClock and a state both given: the higher is the last clock; the republish is the state's publication", async () => {
    await inWorld("0.3.0", async (w) => {
    const first = await w.control();
    const report = await first.publisher.publish(descriptionBytes(100, 50), 4);
    first.restart();
    const above = await w.control({ lastClock: 9 });
    expect(above.publisher.lastClock).toBe(9);
    await expect(above.publisher.publish(descriptionBytes(100, 51), 9)).rejects.toMatchObject({ code: "E_BRIDGE_CLOCK_NOT_ADVANCED" });
    expect(await above.publisher.republish()).toEqual(report);
    above.restart();
    const below = await w.control({ lastClock: 2 });
    expect(below.publisher.lastClock).toBe(4);
    await expect(below.publisher.publish(descriptionBytes(100, 52), 3)).rejects.toMatchObject({ code: "E_BRIDGE_CLOCK_NOT_ADVANCED" });
    });
  });

  test("0.3.0: a pointer signed at version 2 (a 0.2.0 member in the audience: its supersedes_* not in the signed bytes, though kept in the row) is taken after a restart whose audience chooses version 3, and republished as it was sent", async () => {
    await inWorld("0.3.0", async (w) => {
      const first = await w.control({ audience: communityAudience([{ min: 2, max: 2 }]) });
      await first.publisher.publish(descriptionBytes(100, 94), 1);
      await w.network.settled();
      const before = w.seen.length;
      const report = await first.publisher.publish(descriptionBytes(100, 95), 2);
      await w.network.settled();
      const sent = w.seen.slice(before).map(hex);
      first.restart();
      const second = await w.control();
      expect(second.publisher.refusedRows).toEqual([]);
      expect(second.publisher.lastClock).toBe(2);
      const again = w.seen.length;
      expect(await second.publisher.republish()).toEqual(report);
      await w.network.settled();
      expect(w.seen.slice(again).map(hex)).toEqual(sent);
      await second.publisher.publish(descriptionBytes(100, 96), 3);
      expect(communityRows(second.state).pointer(communityHex(second.publisher.communityId))).toMatchObject({ clock: 3, supersedesClock: 2, supersedesCid: report.pointer?.cid });
    });
  });

  test("restarted, it re-advertises its kept publication 5 minutes after start (status-go's first tick), not an interval later, then every interval; none after close()", async () => {
    // A joiner who came while the control node was offline got nothing until the restarted control
    // node's first republish, which came a whole interval (an hour by default) after its start;
    // status-go's ticker re-advertises at its first tick, 5 minutes after start.
    const firstAfterRestartMs = 5 * 60_000;
    expect(RESTART_REPUBLISH_DELAY_MS).toBe(firstAfterRestartMs);
    await inWorld("0.2.0", async (w) => {
      const first = await w.control();
      await first.publisher.publish(descriptionBytes(100, 90), 1);
      await w.network.settled();
      const sent = w.seen.map(hex);
      first.restart();
      expect(w.clock.pending).toBe(0);
      const second = await w.control();
      expect(w.clock.pending).toBe(1);
      const joiner = await w.join(second.publisher.communityId);
      w.clock.advance(firstAfterRestartMs - 1);
      expect(w.clock.pending).toBe(1);
      w.clock.advance(1);
      expect(w.clock.pending).toBe(0);
      await until(() => joiner.receiver.heldClock === 1 && !joiner.receiver.fetching, "the joiner's clock 1 five minutes after the restart");
      await w.network.settled();
      expect(w.seen.slice(sent.length).map(hex)).toEqual(sent);
      await until(() => w.clock.pending === 1, "the next republish armed");
      w.clock.advance(DEFAULT_REPUBLISH_INTERVAL_MS - 1);
      expect(w.clock.pending).toBe(1);
      w.clock.advance(1);
      expect(w.clock.pending).toBe(0);
      await until(() => w.clock.pending === 1, "the republish after it armed");
      await w.network.settled();
      expect(w.seen.slice(2 * sent.length).map(hex)).toEqual(sent);
      second.restart();
      expect(w.clock.pending).toBe(0);
    });
  });

  test("restarted with an interval below 5 minutes, the first republish comes at that interval", async () => {
    await inWorld("0.3.0", async (w) => {
      const first = await w.control();
      await first.publisher.publish(descriptionBytes(100, 91), 1);
      first.restart();
      const second = await w.control({ republishIntervalMs: 60_000 });
      w.clock.advance(59_999);
      expect(w.clock.pending).toBe(1);
      w.clock.advance(1);
      expect(w.clock.pending).toBe(0);
      await until(() => w.clock.pending === 1, "the next republish armed");
      second.restart();
    });
  });

  test("restarted past the pointer's expires_at, the republish still sends the kept pointer and warns to publish anew", async () => {
    const out = new LogCapture();
    await inWorld("0.3.0", async (w) => {
    const first = await w.control();
    await first.publisher.publish(descriptionBytes(100, 60), 1);
    first.restart();
    w.clock.advance(DESCRIPTION_TTL_SECONDS * 1000);
    const second = await w.control({ logger: createLogger({ level: "debug", destination: out }) });
    expect((await second.publisher.republish())?.clock).toBe(1);
    expect(out.lines().filter((l) => l.level === 40).map((l) => [l.clock, l.msg])).toEqual([[1, "republishing a pointer past its expires_at: publish the description again with the next clock"]]);
    });
  });
});
