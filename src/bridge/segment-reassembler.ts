/**
 * Puts wholes back together from their segments, as they come: in any order, duplicated,
 * interleaved with other wholes' segments. Memory is bounded (wholes pending, bytes pending,
 * segments per whole); incomplete wholes expire on the clock given (no timers inside); a whole is
 * returned only when its sha256 is the hash its segments named.
 */
import { sameDigest, sha256 } from "../crypto/index.js";
import { assertKnownOptions } from "../errors/index.js";
import type { Segment } from "../wire/index.js";
import { BridgeError } from "./bridge-error.js";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_PENDING_WHOLES,
  DEFAULT_SEGMENT_TTL_MS,
  MAX_DESCRIPTION_BYTES,
  MAX_SEGMENTS_PER_WHOLE,
} from "./segment-limits.js";

export interface SegmentReassemblerOptions {
  /** Time in milliseconds on a monotonic scale (a BridgeClock serves). */
  readonly clock: { now(): number };
  /** How long an incomplete whole is kept after its first segment (DEFAULT_SEGMENT_TTL_MS). */
  readonly ttlMs?: number;
  /** Incomplete wholes held at once (DEFAULT_MAX_PENDING_WHOLES); the oldest is dropped for a new one. */
  readonly maxPendingWholes?: number;
  /** Bytes of incomplete wholes held at once (DEFAULT_MAX_PENDING_BYTES), at least maxWholeBytes; the oldest go first. */
  readonly maxPendingBytes?: number;
  /** The largest whole taken (MAX_DESCRIPTION_BYTES, or lower). */
  readonly maxWholeBytes?: number;
}

/** What one segment did. */
export type SegmentOutcome =
  | { readonly status: "pending"; readonly received: number; readonly segmentsCount: number }
  /** Already held, or of a whole completed within the TTL: ignored. */
  | { readonly status: "duplicate" }
  | { readonly status: "complete"; readonly whole: Uint8Array; readonly hash: Uint8Array };

interface Group {
  readonly hash: Uint8Array;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  readonly expiresAt: number;
}

const OPTION_KEYS: readonly string[] = Object.freeze(["clock", "ttlMs", "maxPendingWholes", "maxPendingBytes", "maxWholeBytes"]);

const hexOf = (hash: Uint8Array): string => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString("hex");

function positiveOption(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`SegmentReassembler option ${name} must be a whole number from 1 to ${max}, not ${String(value)}`);
  }
  return value;
}

export class SegmentReassembler {
  private readonly clock: { now(): number };
  private readonly ttlMs: number;
  private readonly maxPendingWholes: number;
  private readonly maxPendingBytes: number;
  private readonly maxWholeBytes: number;
  /** By hash (hex), oldest first (a Map keeps insertion order): the first to go when room is needed. */
  private readonly groups = new Map<string, Group>();
  /** Wholes completed within the TTL, by hash, with when they are forgotten: their late segments are duplicates. */
  private readonly completed = new Map<string, number>();
  private bytes = 0;
  /** Incomplete wholes dropped to make room for newer ones (a metric for the caller). */
  evicted = 0;

  constructor(options: SegmentReassemblerOptions) {
    // A misspelt bound (maxPendingByte) would leave the default in force without a word.
    assertKnownOptions("SegmentReassembler", options, OPTION_KEYS, false);
    if (options === null || typeof options !== "object" || typeof options.clock?.now !== "function") {
      throw new TypeError("SegmentReassembler needs options with a clock ({ now(): number })");
    }
    this.clock = options.clock;
    this.ttlMs = positiveOption("ttlMs", options.ttlMs, DEFAULT_SEGMENT_TTL_MS);
    this.maxPendingWholes = positiveOption("maxPendingWholes", options.maxPendingWholes, DEFAULT_MAX_PENDING_WHOLES);
    this.maxWholeBytes = positiveOption("maxWholeBytes", options.maxWholeBytes, MAX_DESCRIPTION_BYTES, MAX_DESCRIPTION_BYTES);
    this.maxPendingBytes = positiveOption("maxPendingBytes", options.maxPendingBytes, Math.max(DEFAULT_MAX_PENDING_BYTES, this.maxWholeBytes));
    if (this.maxPendingBytes < this.maxWholeBytes) {
      throw new RangeError(`SegmentReassembler option maxPendingBytes (${this.maxPendingBytes}) must be at least maxWholeBytes (${this.maxWholeBytes}): one whole must fit`);
    }
  }

  /** Incomplete wholes held now. */
  get pendingWholes(): number {
    return this.groups.size;
  }

  /** Bytes of incomplete wholes held now. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** When the oldest incomplete whole expires (the first held: all have the same TTL), for a caller's timer; undefined with none. */
  get nextExpiryAt(): number | undefined {
    for (const group of this.groups.values()) return group.expiresAt;
    return undefined;
  }

  /**
   * Takes one segment. A segment that cannot belong to a whole (a segments_count of 0 or past
   * MAX_SEGMENTS_PER_WHOLE, an index past its count, a count other than its whole's earlier
   * segments', a whole past maxWholeBytes), and a completed whole whose sha256 is not its
   * entire_message_hash, are E_BRIDGE_SEGMENT_INVALID, the whole's segments dropped.
   */
  add(segment: Segment): SegmentOutcome {
    this.expire();
    const { entireMessageHash: hash, index, segmentsCount: count, payload } = segment;
    if (!(hash instanceof Uint8Array) || hash.length !== 32 || !(payload instanceof Uint8Array) || payload.length === 0) {
      throw invalid("a segment needs a 32-byte entire_message_hash and a non-empty payload", {});
    }
    const key = hexOf(hash);
    if (this.completed.has(key)) return { status: "duplicate" };
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEGMENTS_PER_WHOLE) {
      this.drop(key);
      throw invalid(`segments_count ${String(count)} is not from 1 to ${MAX_SEGMENTS_PER_WHOLE}`, { hash: key, segmentsCount: count });
    }
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      this.drop(key);
      throw invalid(`index ${String(index)} is past segments_count ${count}`, { hash: key, index, segmentsCount: count });
    }
    let group = this.groups.get(key);
    if (group !== undefined && group.parts.length !== count) {
      this.drop(key);
      throw invalid(`segments_count ${count} disagrees with ${group.parts.length} of the whole's earlier segments`, { hash: key, segmentsCount: count });
    }
    if (group?.parts[index] !== undefined) return { status: "duplicate" };
    const bytes = (group?.bytes ?? 0) + payload.length;
    if (bytes > this.maxWholeBytes) {
      this.drop(key);
      throw invalid(`the whole's segments come to more than ${this.maxWholeBytes} bytes`, { hash: key, bytes });
    }
    this.makeRoom(key, payload.length);
    if (group === undefined) {
      group = { hash: Uint8Array.from(hash), parts: new Array<Uint8Array | undefined>(count).fill(undefined), received: 0, bytes: 0, expiresAt: this.clock.now() + this.ttlMs };
      this.groups.set(key, group);
    }
    // A copy: the caller's buffer (a transport's receive buffer) may be reused.
    group.parts[index] = payload.slice();
    group.received += 1;
    group.bytes += payload.length;
    this.bytes += payload.length;
    if (group.received < count) return { status: "pending", received: group.received, segmentsCount: count };
    return this.complete(key, group);
  }

  /** Drops incomplete wholes past their TTL (add() does so first too); returns how many. */
  expire(): number {
    const now = this.clock.now();
    for (const [key, forgetAt] of this.completed) if (forgetAt <= now) this.completed.delete(key);
    let dropped = 0;
    for (const [key, group] of this.groups) {
      if (group.expiresAt <= now) {
        this.drop(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Forgets everything held. */
  clear(): void {
    this.groups.clear();
    this.completed.clear();
    this.bytes = 0;
  }

  private complete(key: string, group: Group): SegmentOutcome {
    this.drop(key);
    const whole = new Uint8Array(group.bytes);
    let at = 0;
    for (const part of group.parts as Uint8Array[]) {
      whole.set(part, at);
      at += part.length;
    }
    if (!sameDigest(sha256(whole), group.hash)) {
      throw invalid("the reassembled whole's sha256 is not the entire_message_hash its segments named", { hash: key, bytes: whole.length });
    }
    this.completed.set(key, this.clock.now() + this.ttlMs);
    // Bounded like the pending wholes: the oldest completed is forgotten first.
    if (this.completed.size > this.maxPendingWholes * 4) this.completed.delete(this.completed.keys().next().value as string);
    return { status: "complete", whole, hash: group.hash };
  }

  /** Drops the oldest other wholes until `adding` more bytes (and, for a new whole, one more whole) fit. */
  private makeRoom(key: string, adding: number): void {
    const isNew = !this.groups.has(key);
    for (const [other] of this.groups) {
      const fits = this.bytes + adding <= this.maxPendingBytes && (!isNew || this.groups.size < this.maxPendingWholes);
      if (fits) return;
      if (other === key) continue;
      this.drop(other);
      this.evicted += 1;
    }
  }

  private drop(key: string): void {
    const group = this.groups.get(key);
    if (group === undefined) return;
    this.bytes -= group.bytes;
    this.groups.delete(key);
  }
}

function invalid(why: string, details: Record<string, unknown>): BridgeError {
  return new BridgeError("E_BRIDGE_SEGMENT_INVALID", `segment refused: ${why}; the whole's segments are dropped`, { details });
}
