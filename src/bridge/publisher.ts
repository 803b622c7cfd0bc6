import { loadKeccak256, sha256 } from "../crypto/index.js";
import { chooseWriteVersion, communityAudience, type Audience, type WriteChoice } from "../negotiate/index.js";
import { silentLogger, componentLogger, type Logger, type Metrics } from "../obs/index.js";
import type { CommunityRow, PointerRow, RefusedRow } from "../state/index.js";
import type { ProtocolProfile } from "../versions/index.js";
import { raceAbort } from "../storage/index.js";
import { BridgeError } from "./bridge-error.js";
import { bridgeMetrics, type BridgeMetrics } from "./bridge-metrics.js";
import { assertClockAdvances } from "./clock-order.js";
import { systemBridgeClock, type BridgeClock } from "./clock.js";
import { communityContentTopic, communityHex } from "./community-topic.js";
import type { DescriptionStore } from "./description-store.js";
import { communityIdOf } from "./secret-key.js";
import { heldDescriptionPayload, heldPointerMessageAtItsVersion, heldWholeMessages, signatureOf, type HeldMessage } from "./publisher-held.js";
import { memoryReceiverStore, type ReceiverStore } from "./receiver-state.js";
import { envelopesToPublish } from "./segment-split.js";
import { sealCommunityDescription, sealCommunityDescriptionPointer, type SealOptions } from "./signed-messages.js";
import type { WakuTransport } from "./transport.js";

/** How long Codex keeps what it stores (its BlockTtl, 30 days): a pointer's expires_at. */
export const DESCRIPTION_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * How often a control node sends its last publication again by default: hourly, status-go's
 * re-advertise interval until Aug 2024 (a00bf69 made it daily, as its store nodes serve new joiners
 * in between; the bridge has none, so a joiner waits for the next republish).
 */
export const DEFAULT_REPUBLISH_INTERVAL_MS = 60 * 60 * 1000;

/**
 * How long after its start a restarted control node first republishes what it kept (then every
 * interval): status-go's ticker, whose first tick re-advertises, as nothing was published since
 * the start. A joiner who came while the control node was offline waited a whole interval after
 * its return; it also leaves a relay node the time to reach its peers (a message to none is lost).
 */
export const RESTART_REPUBLISH_DELAY_MS = 5 * 60 * 1000;

export interface PublisherOptions {
  /** The release this control node runs (src/versions profileFor / releaseProfile): it decides the paths. */
  readonly profile: ProtocolProfile;
  readonly transport: WakuTransport;
  /** Where descriptions go for pointers to name; required when the profile writes cd-pointer. */
  readonly store?: DescriptionStore;
  /** The community's secret key (32 bytes); its compressed public key is the community ID. Never logged. */
  readonly secretKey: Uint8Array;
  /** The members' version ranges as known (negotiation's audience); default: unknown, assumed one release behind. */
  readonly audience?: Audience;
  /** The last clock published before this publisher was made (a restart): the next must be above it. */
  readonly lastClock?: number;
  /**
   * Where the last publication is kept (the `communities` and `cd_pointers` rows, keyed by community):
   * `stateReceiverStore(state)` keeps it in the local state, so that a publisher started again on
   * that state knows its last clock and can republish it at once; default `memoryReceiverStore()`.
   * With `lastClock` too, the higher of the two is the last clock.
   */
  readonly held?: ReceiverStore;
  /**
   * Sends the last publication again this often (ms) while nothing newer is published, for members
   * who joined or came online after it: without a store node to ask, the topic is all a new joiner
   * has. Default DEFAULT_REPUBLISH_INTERVAL_MS (hourly); `false` turns it off. One `clock` timer,
   * in the background (it does not keep a process alive), armed by a publish, a republish, or at
   * start by a kept publication (then for RESTART_REPUBLISH_DELAY_MS, or the interval if shorter); close() cancels it.
   */
  readonly republishIntervalMs?: number | false;
  readonly clock?: BridgeClock;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
}

/** What one publish sent. */
export interface PublishReport {
  readonly clock: number;
  /** Waku messages sent with the whole description (1, or its segments); 0 when the profile sends none. */
  readonly wholeMessages: number;
  /** The pointer, when the profile sends one. */
  readonly pointer?: { readonly cid: string; readonly size: number; readonly expiresAt: number };
}

export interface PublishCallOptions {
  readonly signal?: AbortSignal;
}

/** A kept row refused at start (DescriptionPublisher.refusedRows). */
interface RefusedKeptRow {
  readonly table: "communities" | "cd_pointers";
  readonly error: BridgeError;
  /** The row as held, until this control node's own publication replaces it (a forged clock must not hold its rows back); then undefined. */
  held: RefusedRow | undefined;
}

/**
 * A community's control node: publishes each new description by its release's protocol profile
 * (docs/bridge.md, Publisher). Protocol 1 (cd-whole-waku only) sends the whole signed description
 * over Waku, segmented above one message; 2 sends that too, for 1's members, and stores the signed
 * description on the store behind a signed pointer over Waku; 3 (no cd-whole-waku) the pointer only,
 * naming the clock and CID it supersedes (pointer-supersede). The clock only grows: a publish whose
 * clock is not above the last one is E_BRIDGE_CLOCK_NOT_ADVANCED before anything is signed or sent,
 * and a publish that fails half-way still uses its clock up (publish the next one above it).
 */
export class DescriptionPublisher {
  readonly communityId: Uint8Array;
  readonly contentTopic: string;
  private readonly hex: string;
  private readonly metrics: BridgeMetrics | undefined;
  private readonly logger: Logger;
  private readonly clock: BridgeClock;
  private last: number | undefined;
  private previousPointer: { clock: number; cid: string } | undefined;
  /** The last publication's messages as sent, for republish(); rebuilt from the verified `held` rows at start after a restart. */
  private lastSent: { report: PublishReport; messages: HeldMessage[] } | undefined;
  private readonly held: ReceiverStore;
  /** The kept rows refused at start, in one place: each one's typed error (refusedRows) and the row as held (keep). */
  private readonly refused: RefusedKeptRow[] = [];
  private cancelRepublish: (() => void) | undefined;
  private readonly republishEvery: number | undefined;
  private closed = false;

  constructor(private readonly options: PublisherOptions) {
    const { profile } = options;
    if (!profile.writes("cd-whole-waku") && !profile.writes("cd-pointer")) {
      throw new TypeError(`release ${profile.release.release} writes neither whole descriptions nor pointers: it cannot publish a community description`);
    }
    if (profile.writes("cd-pointer") && options.store === undefined) {
      throw new TypeError(`release ${profile.release.release} publishes descriptions behind pointers: DescriptionPublisher needs a store option`);
    }
    this.communityId = communityIdOf(options.secretKey);
    this.hex = communityHex(this.communityId);
    this.contentTopic = communityContentTopic(this.communityId);
    this.metrics = options.metrics === undefined ? undefined : bridgeMetrics(options.metrics);
    this.logger = componentLogger(options.logger ?? silentLogger(), "bridge.publisher");
    this.clock = options.clock ?? systemBridgeClock;
    this.held = options.held ?? memoryReceiverStore();
    const kept = this.takeHeld();
    // The higher wins: either may have seen a clock go out that the other missed, and reusing one is never safe.
    this.last = kept === undefined ? options.lastClock : options.lastClock === undefined ? kept : Math.max(kept, options.lastClock);
    if (kept !== undefined && options.lastClock !== undefined && kept !== options.lastClock) {
      this.logger.debug({ community: this.hex, kept, lastClock: options.lastClock }, "lastClock and the held publication differ; the higher is the last clock");
    }
    const every = options.republishIntervalMs ?? DEFAULT_REPUBLISH_INTERVAL_MS;
    if (every !== false && !(typeof every === "number" && Number.isFinite(every) && every > 0)) {
      throw new RangeError(`republishIntervalMs must be a positive number of milliseconds or false, not ${String(every)}`);
    }
    this.republishEvery = every === false ? undefined : every;
    // A restarted control node re-advertises what it kept at status-go's first tick after its start, then every interval.
    if (this.lastSent !== undefined && this.republishEvery !== undefined) this.armRepublish(Math.min(this.republishEvery, RESTART_REPUBLISH_DELAY_MS));
  }

  /** The last clock published (or given as lastClock). */
  get lastClock(): number | undefined {
    return this.last;
  }

  /**
   * The kept rows (of this community, in `held`) not taken at start, each as its typed error:
   * E_BRIDGE_SIGNATURE_INVALID for a row the community's key did not sign, E_BRIDGE_UNREADABLE for
   * one the wire cannot encode. Neither their clocks nor their bytes are used; the rows stay as they
   * are until this control node's next publication replaces them (held's replaceCommunity / replacePointer).
   */
  get refusedRows(): readonly BridgeError[] {
    return this.refused.map((refused) => refused.error);
  }

  async publish(description: Uint8Array, clock: number, call: PublishCallOptions = {}): Promise<PublishReport> {
    if (this.closed) throw new BridgeError("E_BRIDGE_CLOSED", `the description publisher of community ${this.hex} was closed: make a new one`);
    assertClockAdvances(this.last, clock, this.hex);
    this.last = clock;
    // Sealing hashes the description: by keccak256's WebAssembly once loaded (noble's until then, ~24x slower). Never rejects.
    await loadKeccak256();
    const { profile } = this.options;
    const audience = this.options.audience ?? communityAudience([]);
    const signal = call.signal;
    let wholeMessages = 0;
    // Until this one has gone out whole, the last one that did stays the one republished (a joiner
    // is better off with it than with nothing; members holding a newer clock drop it as stale).
    const messages: HeldMessage[] = [];
    // The signed payload depends only on the version (the envelope's other fields are outside it,
    // and the signature is deterministic, RFC 6979): the stored copy reuses the whole copy's when
    // both paths write the same version, instead of hashing and signing the description again.
    let signedWhole: { version: number; payload: Uint8Array } | undefined;
    if (profile.writes("cd-whole-waku")) {
      const choice = this.choose("community-description", audience);
      const sealed = sealCommunityDescription({ description, clock }, this.sealOptions(choice));
      signedWhole = { version: choice.version, payload: sealed.payload };
      const envelopes = envelopesToPublish(sealed.envelope, this.sealOptions(this.choose("segment", audience)));
      const path = envelopes.length > 1 ? "segment" : "whole";
      for (const envelope of envelopes) {
        await this.send(envelope, path, signal);
        messages.push({ envelope, path });
      }
      wholeMessages = envelopes.length;
      // Kept once it went out: a restart must not reuse a clock members may hold.
      this.keepDescription(clock, description, sealed.payload, "waku");
    }
    let pointer: PublishReport["pointer"];
    if (profile.writes("cd-pointer")) {
      const choice = this.choose("cd-pointer", audience);
      // Stored with the pointer's version: a reader decodes it as written by that version.
      const stored = signedWhole?.version === choice.version ? signedWhole.payload : sealCommunityDescription({ description, clock }, this.sealOptions(choice)).payload;
      const contentHash = sha256(stored);
      const store = this.options.store as DescriptionStore;
      let cid: string;
      try {
        // Raced with the signal: a store stuck inside a put (its signal ignored) does not hold the caller.
        cid = await raceAbort(store.put(stored, signal === undefined ? {} : { signal }), signal);
      } catch (error) {
        if (!this.closed) this.metrics?.published.inc({ path: "store", outcome: "failed" });
        throw error;
      }
      if (!this.closed) this.metrics?.published.inc({ path: "store", outcome: "ok" });
      const expiresAt = Math.floor(this.clock.wallNow() / 1000) + DESCRIPTION_TTL_SECONDS;
      const supersedes = profile.writes("pointer-supersede") && this.previousPointer !== undefined ? { supersedesClock: this.previousPointer.clock, supersedesCid: this.previousPointer.cid } : {};
      const sealed = sealCommunityDescriptionPointer(
        { clock, cid, contentHash, size: stored.byteLength, expiresAt, ...supersedes },
        this.sealOptions(choice),
      );
      await this.send(sealed.envelope, "pointer", signal);
      messages.push({ envelope: sealed.envelope, path: "pointer" });
      this.previousPointer = { clock, cid };
      if (!profile.writes("cd-whole-waku")) this.keepDescription(clock, description, stored, "codex");
      this.keepPointer({
        communityId: this.hex,
        clock,
        cid,
        contentHash,
        size: stored.byteLength,
        expiresAt,
        signature: signatureOf("cd-pointer", sealed.payload),
        receivedAt: this.clock.wallNow(),
        ...supersedes,
      });
      pointer = { cid, size: stored.byteLength, expiresAt };
    }
    this.logger.debug({ community: this.hex, clock, wholeMessages, pointer: pointer?.cid }, "description published");
    const report: PublishReport = { clock, wholeMessages, ...(pointer === undefined ? {} : { pointer }) };
    this.lastSent = { report, messages };
    this.armRepublish();
    return report;
  }

  /**
   * Sends the last publication's messages again, byte for byte (the same clock, the same stored
   * copy: nothing is signed or stored anew), for members who were not listening when it went out.
   * Members holding it drop it as a duplicate. After a restart on the same `held` rows, the
   * publication they keep. Resolves undefined when there is none (a `lastClock` alone names a clock,
   * not its bytes: publish the next one).
   */
  async republish(call: PublishCallOptions = {}): Promise<PublishReport | undefined> {
    if (this.closed) throw new BridgeError("E_BRIDGE_CLOSED", `the description publisher of community ${this.hex} was closed: make a new one`);
    const sent = this.lastSent;
    if (sent === undefined) return undefined;
    const expiresAt = sent.report.pointer?.expiresAt;
    if (expiresAt !== undefined && expiresAt * 1000 <= this.clock.wallNow()) {
      // Codex may have dropped the stored copy (its TTL); only the app can choose the next clock.
      this.logger.warn({ community: this.hex, clock: sent.report.clock, cid: sent.report.pointer?.cid, expiresAt }, "republishing a pointer past its expires_at: publish the description again with the next clock");
    }
    this.cancelRepublish?.();
    try {
      for (const { envelope, path } of sent.messages) await this.send(envelope, path, call.signal);
    } finally {
      if (this.lastSent === sent) this.armRepublish();
    }
    this.logger.debug({ community: this.hex, clock: sent.report.clock, messages: sent.messages.length }, "description republished");
    return sent.report;
  }

  /**
   * At start, after a restart: the kept rows of this community, each verified under the
   * community's key before anything of it is trusted (a tampered or foreign file must not raise the
   * clock, nor have its bytes sent or its pointer superseded). The whole copy is rebuilt from the
   * `communities` row, the pointer from the `cd_pointers` row (the same signed bytes: nothing is
   * signed or stored anew); a row that does not verify is refused (refusedRows, a warn log) and
   * the other path's row is still taken. Returns the newest verified clock.
   */
  private takeHeld(): number | undefined {
    const { profile } = this.options;
    const audience = this.options.audience ?? communityAudience([]);
    const messages: HeldMessage[] = [];
    let clock: number | undefined;
    let wholeMessages = 0;
    let pointer: PublishReport["pointer"];
    const description = this.held.community(this.hex);
    if (description !== undefined) {
      const whole = this.verifiedRow("communities", description, () =>
        profile.writes("cd-whole-waku")
          ? heldWholeMessages(description, this.communityId, this.sealOptions(this.choose("community-description", audience)), this.sealOptions(this.choose("segment", audience)))
          : (heldDescriptionPayload(description, this.communityId, this.choose("cd-pointer", audience).version), []),
      );
      if (whole !== undefined) {
        messages.push(...whole);
        wholeMessages = whole.length;
        clock = description.clock;
      }
    }
    const pointerRow = profile.writes("cd-pointer") ? this.held.pointer(this.hex) : undefined;
    if (pointerRow !== undefined) {
      const message = this.verifiedRow("cd_pointers", pointerRow, () => [
        heldPointerMessageAtItsVersion(pointerRow, this.communityId, this.sealOptions(this.choose("cd-pointer", audience)), profile.window),
      ]);
      if (message !== undefined) {
        messages.push(...message);
        pointer = { cid: pointerRow.cid, size: pointerRow.size, expiresAt: pointerRow.expiresAt };
        this.previousPointer = { clock: pointerRow.clock, cid: pointerRow.cid };
        clock = clock === undefined ? pointerRow.clock : Math.max(clock, pointerRow.clock);
      }
    }
    if (clock !== undefined && messages.length > 0) {
      this.lastSent = { report: { clock, wholeMessages, ...(pointer === undefined ? {} : { pointer }) }, messages };
      this.logger.debug({ community: this.hex, clock, messages: messages.length }, "last publication taken from the held rows");
    }
    return clock;
  }

  /** What `build` makes of a kept row, or undefined when the row is refused (kept in refusedRows, logged at warn). */
  private verifiedRow(table: "communities" | "cd_pointers", row: RefusedRow, build: () => HeldMessage[]): HeldMessage[] | undefined {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      this.refused.push({ table, error, held: { clock: row.clock, signature: row.signature } });
      this.logger.warn({ community: this.hex, row: table, clock: row.clock, code: error.code, fault: error.details.fault }, "a kept row that does not verify under the community's key was not taken: neither its clock nor its bytes");
      return undefined;
    }
  }

  private keepDescription(clock: number, description: Uint8Array, payload: Uint8Array, source: "waku" | "codex"): void {
    const row: CommunityRow = { id: this.hex, clock, description, signature: signatureOf("community-description", payload), receivedAt: this.clock.wallNow(), source };
    this.keep("communities", (refused) => (refused !== undefined && this.held.replaceCommunity !== undefined ? this.held.replaceCommunity(row, refused) : this.held.putCommunity(row)));
  }

  private keepPointer(row: PointerRow): void {
    this.keep("cd_pointers", (refused) => (refused !== undefined && this.held.replacePointer !== undefined ? this.held.replacePointer(row, refused) : this.held.putPointer(row)));
  }

  /**
   * Writes this control node's own row of `table`: over the row refused at start, if any, whatever
   * the clocks (a forged clock must not hold its rows back), once; then as rows rise.
   */
  private keep(table: "communities" | "cd_pointers", write: (refused: RefusedRow | undefined) => boolean): void {
    const refused = this.refused.find((r) => r.table === table && r.held !== undefined);
    write(refused?.held);
    if (refused !== undefined) refused.held = undefined;
  }

  /** Later publishes are E_BRIDGE_CLOSED, the periodic republish stops; the transport and the store stay the caller's. */
  close(): void {
    this.closed = true;
    this.cancelRepublish?.();
    this.cancelRepublish = undefined;
  }

  private armRepublish(after: number | undefined = this.republishEvery): void {
    this.cancelRepublish?.();
    this.cancelRepublish = undefined;
    if (after === undefined || this.closed) return;
    this.cancelRepublish = this.clock.setTimer(
      after,
      () => {
        this.cancelRepublish = undefined;
        this.republish().catch((error: unknown) => {
          // Closed under it: nothing is tried again, and a closed publisher says nothing more.
          if (!this.closed) this.logger.warn({ err: error, community: this.hex, clock: this.lastSent?.report.clock }, "republish failed; tried again after the interval");
        });
      },
      { background: true },
    );
  }

  private choose(payload: "community-description" | "segment" | "cd-pointer", audience: Audience): WriteChoice {
    const { profile } = this.options;
    return chooseWriteVersion(profile.window, audience, { payload, release: profile.release });
  }

  private sealOptions(choice: WriteChoice): SealOptions {
    const { profile } = this.options;
    return {
      secretKey: this.options.secretKey,
      version: choice.version,
      minReader: choice.minReader,
      fallbackText: choice.fallbackText,
      sender: { minVersion: profile.window.min, maxVersion: profile.window.max, features: profile.release.writes },
    };
  }

  /**
   * One message out. Once closed, none: a publish or republish under way (a large description's
   * segments go one by one, seconds over a relay) went on sending and counting after close(), and
   * logged its failure at warn when the app closed the transport next. It rejects E_BRIDGE_CLOSED
   * instead, and a send that settles after close() is not counted.
   */
  private async send(envelope: Uint8Array, path: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) throw new BridgeError("E_BRIDGE_CLOSED", `the description publisher of community ${this.hex} was closed while it sent: nothing more goes out`);
    try {
      await this.options.transport.publish(this.contentTopic, envelope, signal === undefined ? {} : { signal });
      if (!this.closed) this.metrics?.published.inc({ path, outcome: "ok" });
    } catch (error) {
      if (!this.closed) this.metrics?.published.inc({ path, outcome: "failed" });
      throw error;
    }
  }
}
