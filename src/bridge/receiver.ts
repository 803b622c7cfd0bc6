import { loadKeccak256, sameDigest } from "../crypto/index.js";
import { silentLogger, componentLogger, type Logger, type Metrics } from "../obs/index.js";
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from "../storage/index.js";
import type { ProtocolProfile } from "../versions/index.js";
import { MAX_COMMUNITY_DESCRIPTION_BYTES, type CommunityDescriptionPointer, type Envelope } from "../wire/index.js";
import { BridgeError } from "./bridge-error.js";
import { bridgeMetrics, type BridgeMetrics, type DropReason } from "./bridge-metrics.js";
import { isNewerClock } from "./clock-order.js";
import { systemBridgeClock, type BridgeClock } from "./clock.js";
import { communityContentTopic, communityHex } from "./community-topic.js";
import type { DescriptionStore } from "./description-store.js";
import { fetchDescription } from "./receiver-fetch.js";
import { ReceiverSegments } from "./receiver-segments.js";
import { memoryReceiverStore, type ReceiverStore } from "./receiver-state.js";
import { openBridgeEnvelope, verifyCommunityDescription, type VerifiedDescription } from "./signed-open.js";
import type { Unsubscribe, WakuMessage, WakuTransport } from "./transport.js";

/** A description handed on: the newest the receiver has seen for its community, once per clock. */
export interface ReceivedDescription {
  readonly communityId: Uint8Array;
  readonly clock: number;
  /** The opaque CommunityDescription bytes, exactly as the control node signed them. */
  readonly description: Uint8Array;
  /** Which path won: the whole copy over Waku, or the store behind a pointer. */
  readonly source: "waku" | "codex";
}

export interface ReceiverOptions {
  /** The release this member runs: its reader window and whether it reads pointers. */
  readonly profile: ProtocolProfile;
  readonly transport: WakuTransport;
  /** The community's ID (its 33-byte compressed key): only descriptions signed by it are taken. */
  readonly communityId: Uint8Array;
  /** Where pointers' descriptions are fetched from; without it pointers are ignored (the whole copy is waited for). */
  readonly store?: DescriptionStore;
  /** What is held across restarts: stateReceiverStore(state), or memory (the default). */
  readonly held?: ReceiverStore;
  /** The storage layer's retry policy for fetches (DEFAULT_RETRY_POLICY), fields overridden. */
  readonly retry?: Partial<RetryPolicy>;
  readonly clock?: BridgeClock;
  readonly random?: () => number;
  /** Called once per (community, clock) handed on, newest only; a throw is logged, not propagated. */
  readonly onDescription?: (description: ReceivedDescription) => void;
  /** Called with the typed error of each message or fetch dropped (for tests and diagnostics). */
  readonly onDropped?: (error: BridgeError, reason: DropReason) => void;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
}

interface PendingFetch {
  readonly clock: number;
  readonly controller: AbortController;
}

/**
 * A member's (or new joiner's) side of the bridge for one community (docs/bridge.md, Receiver).
 * Everything from the community's topic is opened with the release's reader window and verified
 * against the community's key; anything else (malformed, a version outside the window, forged,
 * another community's, a clock not above the one held) is counted and dropped, never thrown. A
 * verified pointer starts a background fetch from the store (the storage layer's retry policy), a
 * verified whole copy (or one reassembled from segments) is taken at once; whichever path gives a
 * clock first is handed on and the other is ignored for it. A newer clock cancels an older fetch.
 */
export class DescriptionReceiver {
  readonly contentTopic: string;
  private readonly hex: string;
  private readonly metrics: BridgeMetrics | undefined;
  private readonly logger: Logger;
  private readonly clock: BridgeClock;
  private readonly policy: RetryPolicy;
  private readonly held: ReceiverStore;
  private readonly segments: ReceiverSegments;
  private readonly running = new Set<Promise<void>>();
  private pending: PendingFetch | undefined;
  /** Clocks for which a pointer came: a whole copy taking one of them is a fallback. */
  private readonly pointerClocks = new Set<number>();
  private unsubscribe: Unsubscribe | undefined;
  /** What this receiver last added to the segmentsPending gauge. */
  private pendingBytesNoted = 0;
  /** The timer that expires the oldest incomplete whole, and when it fires (armExpiry). */
  private expiry: { readonly at: number; readonly cancel: () => void } | undefined;
  private closed = false;
  /** Whether the one warning of a pointer this receiver, started without a store, could not fetch was given. */
  private warnedNoStore = false;

  private constructor(private readonly options: ReceiverOptions) {
    this.hex = communityHex(options.communityId);
    this.contentTopic = communityContentTopic(options.communityId);
    this.metrics = options.metrics === undefined ? undefined : bridgeMetrics(options.metrics);
    this.logger = componentLogger(options.logger ?? silentLogger(), "bridge.receiver");
    this.clock = options.clock ?? systemBridgeClock;
    // The same fields as a storage client's, checked as the client checks them (a RangeError naming the field).
    this.policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, options.retry);
    this.held = options.held ?? memoryReceiverStore();
    this.segments = new ReceiverSegments(this.clock);
  }

  /** Subscribes to the community's topic; resolves once messages are being taken. */
  static async start(options: ReceiverOptions): Promise<DescriptionReceiver> {
    const receiver = new DescriptionReceiver(options);
    // keccak256 is noble's (0.15-0.25 s of the event loop for 1.5 MB) until its WebAssembly has loaded:
    // wait for it, so that the first description is verified by the fast one. Never rejects.
    await loadKeccak256();
    receiver.unsubscribe = await options.transport.subscribe(receiver.contentTopic, (message) => receiver.take(message));
    receiver.resumeFetch();
    return receiver;
  }

  /** The clock held (the newest handed on, or kept from before a restart); undefined for a new joiner. */
  get heldClock(): number | undefined {
    return this.held.community(this.hex)?.clock;
  }

  /** The newest description held, if any. */
  current(): ReceivedDescription | undefined {
    const row = this.held.community(this.hex);
    if (row === undefined) return undefined;
    return { communityId: this.options.communityId, clock: row.clock, description: row.description, source: row.source };
  }

  /** Whether a pointer's fetch is running (for tests and status displays). */
  get fetching(): boolean {
    return this.pending !== undefined;
  }

  /** Stops the subscription and every fetch; resolves once nothing of the receiver runs. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) {
      await Promise.allSettled([...this.running]);
      return;
    }
    this.closed = true;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    this.pending?.controller.abort(new BridgeError("E_BRIDGE_CLOSED", `the description receiver of community ${this.hex} was closed`));
    this.pending = undefined;
    this.segments.clear();
    this.notePendingBytes();
    await unsubscribe?.().catch((error: unknown) => this.logger.warn({ err: error }, "unsubscribe failed"));
    await Promise.allSettled([...this.running]);
  }

  /**
   * A pointer kept from before a restart whose description was never fetched (the app stopped
   * mid-fetch, or every attempt failed) is fetched again. Its envelope's version is not kept: the
   * stored description is read as written by this release's protocol, which only names the writer
   * in messages (a SignedCommunityDescription has no enum a newer writer could extend) and the
   * signature is checked on the bytes as stored either way.
   */
  private resumeFetch(): void {
    if (!this.options.profile.reads("cd-pointer") || this.options.store === undefined) return;
    const row = this.held.pointer(this.hex);
    if (row === undefined || row.fetchedAt !== undefined || !isNewerClock(this.heldClock, row.clock)) return;
    this.pointerClocks.add(row.clock);
    this.logger.debug({ community: this.hex, clock: row.clock, cid: row.cid, size: row.size }, "pointer kept from before the restart; fetching its description");
    this.startFetch(
      {
        communityId: this.options.communityId,
        clock: row.clock,
        cid: row.cid,
        contentHash: row.contentHash,
        size: row.size,
        expiresAt: row.expiresAt,
        signature: row.signature,
      },
      this.options.profile.protocol,
    );
  }

  private take(message: WakuMessage): void {
    if (this.closed) return;
    this.metrics?.received.inc({ kind: "message" });
    try {
      const opened = openBridgeEnvelope(message.payload, this.options.profile.window);
      switch (opened.kind) {
        case "segment": {
          let whole: VerifiedDescription | undefined;
          try {
            whole = this.segments.add(opened.message, this.options.profile.window);
          } finally {
            this.notePendingBytes();
          }
          if (whole !== undefined) this.takeDescription(whole, "segment");
          return;
        }
        case "community-description":
          this.takeDescription(opened, "whole");
          return;
        case "cd-pointer":
          this.takePointer(opened.message, opened.envelope);
          return;
      }
    } catch (error) {
      this.drop(error);
    }
  }

  private takeDescription(verified: VerifiedDescription, path: "whole" | "segment"): void {
    const { message } = verified;
    if (!this.ours(message.communityId)) return;
    this.metrics?.verified.inc({ path });
    const held = this.heldClock;
    if (!isNewerClock(held, message.clock)) {
      this.count(message.clock === held ? "duplicate" : "stale");
      return;
    }
    if (this.pending !== undefined && this.pending.clock <= message.clock) {
      this.pending.controller.abort(new DOMException(`a whole copy of clock ${message.clock} came first`, "AbortError"));
      this.pending = undefined;
      this.metrics?.fetches.inc({ outcome: "cancelled" });
    }
    if (this.pointerClocks.has(message.clock)) this.metrics?.fallbacks.inc({ reason: "whole-copy" });
    this.deliver(message.clock, message.description, message.signature, "waku");
  }

  private takePointer(pointer: CommunityDescriptionPointer, envelope: Envelope): void {
    if (!this.ours(pointer.communityId)) return;
    this.metrics?.verified.inc({ path: "pointer" });
    if (!this.options.profile.reads("cd-pointer") || this.options.store === undefined) {
      this.count("unreadable-kind");
      // Verified, so the control node's (no peer can flood it), and of a description not held: a
      // 0.3.0 control node sends nothing else, and a joiner would wait for ever, saying nothing.
      if (this.options.store === undefined && !this.warnedNoStore && isNewerClock(this.heldClock, pointer.clock)) {
        this.warnedNoStore = true;
        this.logger.warn(
          { community: this.hex, clock: pointer.clock },
          "a pointer of the community came and this receiver has no store to fetch its description from: start it with a store (a 0.3.0 control node sends pointers only)",
        );
      }
      return;
    }
    const held = this.heldClock;
    if (!isNewerClock(held, pointer.clock) || (this.pending !== undefined && this.pending.clock >= pointer.clock)) {
      this.count(pointer.clock === held || pointer.clock === this.pending?.clock ? "duplicate" : "stale");
      return;
    }
    if (pointer.size > MAX_COMMUNITY_DESCRIPTION_BYTES) {
      this.drop(
        new BridgeError("E_BRIDGE_MESSAGE_TOO_LARGE", `pointer of community ${this.hex} clock ${pointer.clock} names ${pointer.size} bytes, above ${MAX_COMMUNITY_DESCRIPTION_BYTES}: not fetched`, {
          details: { clock: pointer.clock, size: pointer.size },
        }),
      );
      return;
    }
    this.held.putPointer({
      communityId: this.hex,
      clock: pointer.clock,
      cid: pointer.cid,
      contentHash: pointer.contentHash,
      size: pointer.size,
      expiresAt: pointer.expiresAt,
      signature: pointer.signature,
      receivedAt: this.clock.wallNow(),
      ...(pointer.supersedesClock === undefined ? {} : { supersedesClock: pointer.supersedesClock }),
      ...(pointer.supersedesCid === undefined ? {} : { supersedesCid: pointer.supersedesCid }),
    });
    this.pointerClocks.add(pointer.clock);
    this.logger.debug({ community: this.hex, clock: pointer.clock, cid: pointer.cid, size: pointer.size }, "pointer taken; fetching its description");
    this.startFetch(pointer, envelope.version);
  }

  /** Fetches a pointer's description in the background, cancelling an older fetch. */
  private startFetch(pointer: CommunityDescriptionPointer, written: number): void {
    if (this.pending !== undefined) {
      this.pending.controller.abort(new DOMException(`pointer clock ${pointer.clock} supersedes clock ${this.pending.clock}`, "AbortError"));
      this.metrics?.fetches.inc({ outcome: "cancelled" });
    }
    const controller = new AbortController();
    const fetch: PendingFetch = { clock: pointer.clock, controller };
    this.pending = fetch;
    const run = this.fetchPointer(pointer, written, fetch).finally(() => {
      this.running.delete(run);
      if (this.pending === fetch) this.pending = undefined;
    });
    this.running.add(run);
  }

  private async fetchPointer(pointer: CommunityDescriptionPointer, written: number, fetch: PendingFetch): Promise<void> {
    const what = `community ${this.hex} clock ${pointer.clock}`;
    let bytes: Uint8Array;
    try {
      bytes = await fetchDescription(
        { cid: pointer.cid, size: pointer.size, contentHash: pointer.contentHash, what },
        {
          store: this.options.store as DescriptionStore,
          policy: this.policy,
          clock: this.clock,
          signal: fetch.controller.signal,
          ...(this.options.random === undefined ? {} : { random: this.options.random }),
          onAttempt: (attempt) => {
            this.metrics?.fetches.inc({ outcome: attempt.outcome });
            if (attempt.outcome === "retry") this.logger.debug({ community: this.hex, clock: pointer.clock, cid: pointer.cid, attempt: attempt.attempt, code: attempt.code }, "fetch attempt failed; retrying");
          },
        },
      );
    } catch (error) {
      if (fetch.controller.signal.aborted) return;
      this.drop(error);
      return;
    }
    if (fetch.controller.signal.aborted) return;
    try {
      const verified = verifyCommunityDescription(bytes, { written, reader: this.options.profile.protocol });
      if (!sameDigest(verified.message.communityId, this.options.communityId) || verified.message.clock !== pointer.clock) {
        throw new BridgeError("E_BRIDGE_DESCRIPTION_MISMATCH", `${what}: the stored description is of ${verified.message.clock === pointer.clock ? "another community" : `clock ${verified.message.clock}`}, not the pointer's`, {
          details: { clock: pointer.clock, storedClock: verified.message.clock },
        });
      }
      this.metrics?.verified.inc({ path: "codex" });
      if (!isNewerClock(this.heldClock, pointer.clock)) {
        this.count("duplicate");
        return;
      }
      this.deliver(pointer.clock, verified.message.description, verified.message.signature, "codex");
      this.held.markPointerFetched(this.hex, pointer.cid, this.clock.wallNow());
    } catch (error) {
      this.drop(error);
    }
  }

  private deliver(clock: number, description: Uint8Array, signature: Uint8Array, source: "waku" | "codex"): void {
    const accepted = this.held.putCommunity({ id: this.hex, clock, description, signature, receivedAt: this.clock.wallNow(), source });
    if (!accepted) {
      this.count("duplicate");
      return;
    }
    for (const seen of this.pointerClocks) if (seen <= clock) this.pointerClocks.delete(seen);
    this.metrics?.delivered.inc({ path: source });
    this.logger.debug({ community: this.hex, clock, source, bytes: description.byteLength }, "description taken");
    try {
      this.options.onDescription?.({ communityId: this.options.communityId, clock, description, source });
    } catch (error) {
      this.logger.warn({ err: error, community: this.hex, clock }, "onDescription threw");
    }
  }

  /** A verified message of another community (topics are 4 bytes of a hash: they collide). */
  private ours(communityId: Uint8Array): boolean {
    if (sameDigest(communityId, this.options.communityId)) return true;
    this.count("community");
    return false;
  }

  /** The gauge is the sum over the receivers sharing a registry: each adds what its own hold changed by. */
  private notePendingBytes(): void {
    const now = this.segments.pendingBytes;
    if (now > this.pendingBytesNoted) this.metrics?.segmentsPending.inc(now - this.pendingBytesNoted);
    else if (now < this.pendingBytesNoted) this.metrics?.segmentsPending.dec(this.pendingBytesNoted - now);
    this.pendingBytesNoted = now;
    this.armExpiry();
  }

  /**
   * Incomplete wholes expire at their TTL whether or not another segment comes: the reassembler
   * checks only when one does, so a whole that lost a segment, with none after it (descriptions go
   * out rarely), held its bytes and the gauge up until close(). One timer, for the oldest; none once
   * closed or with nothing held.
   */
  private armExpiry(): void {
    const at = this.closed ? undefined : this.segments.nextExpiryAt;
    if (at === this.expiry?.at) return;
    this.expiry?.cancel();
    this.expiry = undefined;
    if (at === undefined) return;
    const cancel = this.clock.setTimer(
      Math.max(0, at - this.clock.now()),
      () => {
        this.expiry = undefined;
        if (this.closed) return;
        this.segments.expire();
        this.notePendingBytes();
      },
      { background: true },
    );
    this.expiry = { at, cancel };
  }

  private count(reason: DropReason): void {
    this.metrics?.dropped.inc({ reason });
  }

  private drop(error: unknown): void {
    const typed =
      error instanceof BridgeError
        ? error
        : new BridgeError("E_BRIDGE_UNREADABLE", `a message for community ${this.hex} could not be taken: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    const reason = reasonOf(typed);
    this.count(reason);
    // What the community's own signed pointer named could not be had (the store unreachable, or
    // holding other bytes): the operator's to look at. Anything else is junk or a race on the
    // topic, which any peer can send by the thousand: debug, and counted.
    const level = reason === "fetch-failed" || reason === "mismatch" ? "warn" : "debug";
    this.logger[level]({ community: this.hex, code: typed.code, reason, ...(level === "warn" ? { err: typed } : {}) }, "dropped");
    try {
      this.options.onDropped?.(typed, reason);
    } catch (thrown) {
      this.logger.warn({ err: thrown }, "onDropped threw");
    }
  }
}

function reasonOf(error: BridgeError): DropReason {
  switch (error.code) {
    case "E_BRIDGE_SIGNATURE_INVALID":
      return "signature";
    case "E_BRIDGE_SEGMENT_INVALID":
      return "segment";
    case "E_BRIDGE_DESCRIPTION_MISMATCH":
      return "mismatch";
    case "E_BRIDGE_MESSAGE_TOO_LARGE":
      return "oversized";
    case "E_BRIDGE_FETCH_FAILED":
      return "fetch-failed";
    case "E_BRIDGE_UNREADABLE": {
      const wireCode = error.details.wireCode;
      if (wireCode === "E_VERSION_UNSUPPORTED") return "version";
      if (wireCode === "E_WIRE_TOO_LARGE") return "oversized";
      return "malformed";
    }
    default:
      return "malformed";
  }
}
