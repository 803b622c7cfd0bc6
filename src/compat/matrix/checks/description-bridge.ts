import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  BridgeError,
  DescriptionPublisher,
  DescriptionReceiver,
  MemoryNetwork,
  descriptionStoreOn,
  openBridgeEnvelope,
  stateReceiverStore,
  type ReceivedDescription,
  type WakuTransport,
} from "../../../bridge/index.js";
import { newSecretKey } from "../../../crypto/index.js";
import { openState, StateError } from "../../../state/index.js";
import { createLocalBackend } from "../../../storage/index.js";
import type { ProtocolProfile } from "../../../versions/index.js";
import { isDiskRefusalCode } from "../disk-refusal.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { DirectionContext, MatrixCheck } from "../matrix-types.js";
import { fileBytes } from "./file-transfer.js";

/**
 * The control node's publications, in clock order: a small description, superseded by a larger
 * one that still fits one Waku message, superseded by a 10,000-member community's (~1.5 MB: in
 * segments over Waku).
 */
const PUBLICATIONS = [
  { clock: 1, size: 2_000 },
  { clock: 2, size: 40_000 },
  { clock: 3, size: 1_500_000 },
] as const;

/** The superseded publication sent again (as a relay replays an old message) after the newest: it must change nothing. */
const REPLAYED_CLOCK = 1;

/**
 * No wait between fetch attempts and few of them: the description is on the local store before
 * its pointer is sent, so a retry never helps here, and a broken fetch fails its cell at once
 * rather than after the default policy's backoff.
 */
const FETCH_RETRY = { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 } as const;

type Path = ReceivedDescription["source"];

/** How often a member waiting on a fetch is looked at besides its events (a poll of a condition: no outcome depends on it). */
const LOOK_AGAIN_MS = 50;

/** The paths a description can take from the writer to the reader: those the writer sends and the reader takes. */
function sharedPaths(writer: ProtocolProfile, reader: ProtocolProfile): Path[] {
  const paths: Path[] = [];
  if (writer.writes("cd-whole-waku") && reader.reads("cd-whole-waku")) paths.push("waku");
  if (writer.writes("cd-pointer") && reader.reads("cd-pointer")) paths.push("codex");
  return paths;
}

const PATH_NAMES: Readonly<Record<Path, string>> = { waku: "whole over Waku", codex: "pointer + Codex fetch" };

/**
 * A member of the reader's release: its receiver, what it was handed and what it dropped, and a
 * way to wait, without a timer, until it holds a clock or nothing more can come.
 */
class Member {
  readonly delivered: ReceivedDescription[] = [];
  readonly dropped: BridgeError[] = [];
  receiver: DescriptionReceiver | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly label: string) {}

  readonly onDescription = (description: ReceivedDescription): void => {
    this.delivered.push(description);
    this.wake?.();
  };

  readonly onDropped = (error: BridgeError): void => {
    this.dropped.push(error);
    this.wake?.();
  };

  /**
   * Called once the network has delivered everything published: undefined once the member holds
   * `clock`, else why it never will (a fetch failed, or none runs). A pointer's fetch ends in a
   * delivery or a drop, each an event here; a turn of the event loop after each lets the
   * receiver's own bookkeeping (its fetch's end) run before `fetching` is read. The look every
   * LOOK_AGAIN_MS changes when a silent end is seen, never the outcome.
   */
  async reaches(clock: number, signal: AbortSignal): Promise<string | undefined> {
    const receiver = this.receiver as DescriptionReceiver;
    const mark = this.dropped.length;
    for (;;) {
      signal.throwIfAborted();
      if (receiver.heldClock === clock) return undefined;
      const failed = this.dropped.slice(mark);
      if (failed.length > 0 || !receiver.fetching) {
        const held = receiver.heldClock === undefined ? "holds no description" : `holds clock ${receiver.heldClock}`;
        const why = failed.length > 0 ? `its fetch failed: ${summarize(failed)}` : `nothing more came${this.dropped.length > 0 ? ` (dropped: ${summarize(this.dropped)})` : ""}`;
        return `the ${this.label} ${held}, not clock ${clock}: ${why}`;
      }
      await new Promise<void>((resolve, reject) => {
        const settle = (): void => {
          clearTimeout(timer);
          signal.removeEventListener("abort", aborted);
          this.wake = undefined;
        };
        const aborted = (): void => {
          settle();
          reject(signal.reason);
        };
        // Also looked at again now and then: a fetch that ended without a word (a broken
        // receiver) then fails the cell at once, not at its deadline minutes later.
        const timer = setTimeout(() => this.wake?.(), LOOK_AGAIN_MS);
        this.wake = () => {
          settle();
          resolve();
        };
        signal.addEventListener("abort", aborted, { once: true });
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** "1,2,3 via waku" or "1,2 via waku, 3 via codex": the clocks handed on and the path each took. */
  route(): string {
    const runs: { clocks: number[]; source: Path }[] = [];
    for (const d of this.delivered) {
      const last = runs[runs.length - 1];
      if (last?.source === d.source) last.clocks.push(d.clock);
      else runs.push({ clocks: [d.clock], source: d.source });
    }
    return runs.map((r) => `${r.clocks.join(",")} via ${r.source}`).join(", ");
  }
}

/** Distinct codes and drop reasons, with the first message of each code, on one line. */
function summarize(errors: readonly BridgeError[]): string {
  const seen = new Map<string, { count: number; message: string }>();
  for (const e of errors) {
    const entry = seen.get(e.code);
    if (entry === undefined) seen.set(e.code, { count: 1, message: e.message });
    else entry.count++;
  }
  return [...seen].map(([code, { count, message }]) => `${code}${count > 1 ? ` x${count}` : ""} (${message})`).join("; ");
}

/**
 * A member's state file the disk refused (full, over a limit): its receiver dropped the message it
 * could not keep, with SQLite's error as the cause. That is the work folder's failure, not the
 * pair's: the matrix ends saying nothing is known (as for every column), rather than a broken pair.
 */
function diskRefusalAt(members: readonly Member[]): StateError | undefined {
  for (const member of members) {
    for (const error of member.dropped) {
      const code = (error.cause as { code?: unknown } | undefined)?.code;
      if (isDiskRefusalCode(code)) {
        return new StateError("E_STATE_IO", `the ${member.label}'s state file could not be written (${code}): free space in the work folder`, { cause: error.cause, details: { code } });
      }
    }
  }
  return undefined;
}

/** Undefined once every member holds `clock`, else the first one's reason it does not; a disk's refusal is thrown. */
async function everyMemberReaches(members: readonly Member[], clock: number, signal: AbortSignal): Promise<string | undefined> {
  for (const member of members) {
    const missing = await member.reaches(clock, signal);
    if (missing === undefined) continue;
    const refused = diskRefusalAt(members);
    if (refused !== undefined) throw refused;
    return missing;
  }
  return undefined;
}

/**
 * A member whose Waku link lost one segment of each segmented whole (index 1), as a lossy
 * network does: the whole never completes there, and only the pointer's Codex fetch brings it.
 */
function losingOneSegment(inner: WakuTransport, reader: ProtocolProfile): WakuTransport {
  const lost = (payload: Uint8Array): boolean => {
    try {
      const opened = openBridgeEnvelope(payload, reader.window);
      return opened.kind === "segment" && opened.message.index === 1;
    } catch {
      return false; // the receiver sees it and drops it, with its reason
    }
  };
  return {
    get maxPayloadBytes() {
      return inner.maxPayloadBytes;
    },
    publish: (topic, payload, options) => inner.publish(topic, payload, options),
    subscribe: (topic, handler) => inner.subscribe(topic, (message) => (lost(message.payload) ? undefined : handler(message))),
    close: () => inner.close(),
  };
}

/** What the check opened, closed in reverse when it ends and when its signal aborts (an abandoned cell must really end). */
class Opened {
  private readonly closers: (() => Promise<void> | void)[] = [];
  private closing: Promise<void> | undefined;
  private readonly onAbort = (): void => void this.close().catch(() => undefined);

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  add(close: () => Promise<void> | void): void {
    if (this.closing === undefined) this.closers.push(close);
    // Opened while the close ran (the signal aborted while it was being opened): closed after the rest.
    else this.closing = this.closing.finally(close);
  }

  /** Rejects with the first failure to close, after trying every closer. */
  close(): Promise<void> {
    this.signal.removeEventListener("abort", this.onAbort);
    this.closing ??= (async () => {
      const failures: unknown[] = [];
      for (const close of [...this.closers].reverse()) {
        try {
          await close();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    })();
    return this.closing;
  }
}

/** The network's deliveries done, or the signal's reason (a closed network may never settle). */
function settled(network: MemoryNetwork, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const aborted = (): void => reject(signal.reason);
    signal.addEventListener("abort", aborted, { once: true });
    void network.settled().then(() => {
      signal.removeEventListener("abort", aborted);
      resolve();
    });
  });
}

/**
 * A control node of the writer's release publishes a clock sequence (small, larger, ~1.5 MB in
 * segments) over the memory transport, its description store the embedded local backend in the
 * run's folder. A member of the reader's release (its clock in a state file at its release's
 * level), a new joiner holding no clock, and, where the two releases share both paths, a member
 * whose link loses a segment, must each end with the newest description byte for byte, by a path
 * the two releases share; a superseded publication replayed afterwards changes nothing.
 */
export const descriptionBridgeCheck: MatrixCheck = {
  column: "bridge",
  proves: MATRIX_COLUMN_PROVES.bridge,
  async run(ctx: DirectionContext) {
    const { writer, reader, signal } = ctx;
    const paths = sharedPaths(writer, reader);
    const pair = `${writer.release.release} → ${reader.release.release}`;
    if (paths.length === 0) return { status: "fail", detail: `no path: ${pair} shares neither the whole description over Waku nor the pointer + Codex fetch` };
    const dir = join(ctx.workDir, `bridge-${writer.release.release}-to-${reader.release.release}-${ctx.direction}`);
    mkdirSync(dir, { recursive: true });
    const opened = new Opened(signal);
    try {
      const network = new MemoryNetwork({ logger: ctx.logger });
      opened.add(() => network.close());
      const backend = createLocalBackend({ dir: join(dir, "store"), logger: ctx.logger });
      opened.add(() => backend.close());
      const store = descriptionStoreOn(backend);
      const publisher = new DescriptionPublisher({ profile: writer, transport: network.transport({ name: "control" }), store, secretKey: newSecretKey(), logger: ctx.logger });
      opened.add(() => publisher.close());
      const recorder = network.transport({ name: "recorder" });
      const recorded = new Map<number, Uint8Array[]>();
      let recording: Uint8Array[] = [];
      await recorder.subscribe(publisher.contentTopic, (m) => void recording.push(m.payload));

      const enrol = async (member: Member, transport: WakuTransport, stateFile: string): Promise<Member> => {
        signal.throwIfAborted();
        const state = await openState({ path: join(dir, stateFile), level: reader.stateLevel, logger: ctx.logger, signal });
        opened.add(() => state.close());
        member.receiver = await DescriptionReceiver.start({
          profile: reader,
          transport,
          communityId: publisher.communityId,
          store,
          held: stateReceiverStore(state),
          retry: FETCH_RETRY,
          logger: ctx.logger,
          onDescription: member.onDescription,
          onDropped: member.onDropped,
        });
        const receiver = member.receiver;
        opened.add(() => receiver.close());
        return member;
      };
      const release = reader.release.release;
      const members = [await enrol(new Member(`${release} member`), network.transport({ name: "member" }), "member.sqlite")];
      // Where both paths are shared, the whole copy wins at a member that gets every message: the
      // pointer path is proven at one that lost a segment of the segmented whole.
      if (paths.length === 2) {
        members.push(await enrol(new Member(`${release} member that lost a segment`), losingOneSegment(network.transport({ name: "lossy" }), reader), "lossy.sqlite"));
      }
      const joiner = new Member(`${release} new joiner (no clock held, after clock 3)`);

      const published = new Map<number, Buffer>();
      let segments = 0;
      for (const publication of PUBLICATIONS) {
        const bytes = fileBytes(publication.size, `bridge/${ctx.direction}/${publication.clock}`);
        published.set(publication.clock, bytes);
        recording = [];
        const sent = await publisher.publish(bytes, publication.clock, { signal });
        if (sent.wholeMessages > 1) segments = sent.wholeMessages;
        await settled(network, signal);
        recorded.set(publication.clock, recording);
        const missing = await everyMemberReaches(members, publication.clock, signal);
        if (missing !== undefined) return { status: "fail", detail: `${pair}: ${missing}` };
      }

      // A new joiner comes after the newest went out, holding no clock. The topic keeps nothing
      // (Status's joiner asks a store node, which the bridge has not): it takes what the control
      // node sends again (republish), which the members holding that clock drop as a duplicate.
      const newest = Math.max(...PUBLICATIONS.map((p) => p.clock));
      members.push(await enrol(joiner, network.transport({ name: "joiner" }), "joiner.sqlite"));
      if ((await publisher.republish({ signal })) === undefined) return { status: "fail", detail: `${pair}: the control node had nothing to send again for the new joiner` };
      await settled(network, signal);
      const missing = await everyMemberReaches(members, newest, signal);
      if (missing !== undefined) return { status: "fail", detail: `${pair}: ${missing}` };

      // A relay replays the superseded publication after the newest: every member keeps the newest.
      const handedOn = members.map((m) => m.delivered.length);
      for (const payload of recorded.get(REPLAYED_CLOCK) ?? []) await recorder.publish(publisher.contentTopic, payload, { signal });
      await settled(network, signal);

      const wanted = [...published.keys()];
      for (const [i, member] of members.entries()) {
        const receiver = member.receiver as DescriptionReceiver;
        if (member.delivered.length !== handedOn[i] || receiver.heldClock !== newest) {
          return { status: "fail", detail: `${pair}: clock ${REPLAYED_CLOCK}, replayed after clock ${newest}, was taken by the ${member.label} (it holds clock ${String(receiver.heldClock)})` };
        }
        const clocks = member.delivered.map((d) => d.clock);
        const expected = member === joiner ? [newest] : wanted;
        if (clocks.join() !== expected.join()) return { status: "fail", detail: `${pair}: the ${member.label} was handed clocks ${clocks.join(",") || "none"}, not ${expected.join(",")}` };
        for (const d of member.delivered) {
          if (!Buffer.from(d.description).equals(published.get(d.clock) as Buffer)) return { status: "fail", detail: `${pair}: the ${member.label} got clock ${d.clock} with other bytes than the control node signed (via ${d.source})` };
          if (!paths.includes(d.source)) return { status: "fail", detail: `${pair}: the ${member.label} took clock ${d.clock} via ${d.source}, a path these releases do not share` };
        }
        const current = receiver.current();
        if (current === undefined || !Buffer.from(current.description).equals(published.get(newest) as Buffer)) {
          return { status: "fail", detail: `${pair}: the ${member.label}'s state does not hold the newest description byte for byte` };
        }
      }
      const newestBytes = (published.get(newest) as Buffer).byteLength;
      const carried = paths.map((p) => (p === "waku" && segments > 0 ? `${PATH_NAMES[p]} (${newestBytes} B in ${segments} segments)` : PATH_NAMES[p]));
      return {
        status: "pass",
        detail: `${carried.join(" and ")}: ${members.map((m) => `${m.label} ${m.route()}`).join("; ")}; the newest (${newestBytes} B) byte-exact at each, clock ${REPLAYED_CLOCK} replayed after it ignored`,
      };
    } catch (error) {
      // What ran under an aborted signal failed with its closed network or store: the signal's reason says why.
      throw signal.aborted ? signal.reason : error;
    } finally {
      await opened.close();
    }
  },
};
