import { sameDigest } from "../crypto/index.js";
import type { ReaderWindow, Segment } from "../wire/index.js";
import type { BridgeClock } from "./clock.js";
import { SegmentReassembler } from "./segment-reassembler.js";
import { openReassembledDescription, type VerifiedDescription } from "./signed-open.js";

/**
 * The receiver's side of segmentation: segments go to a reassembler on the receiver's clock
 * (incomplete wholes expire as segments keep coming, and at the receiver's timer for the oldest: no timer of its own), and a completed whole is
 * opened and verified as a description. Segments of a whole already completed are duplicates.
 * Errors are the reassembler's and the open's BridgeErrors (E_BRIDGE_SEGMENT_INVALID,
 * E_BRIDGE_UNREADABLE, E_BRIDGE_SIGNATURE_INVALID), for the receiver to count and drop.
 */
export class ReceiverSegments {
  private readonly reassembler: SegmentReassembler;
  /**
   * The sha256 (entire_message_hash) of the last whole verified. A control node republishes its
   * last publication (hourly, say), long past the reassembler's TTL: its segments were put together
   * and verified again each time, one keccak256 of the description on the event loop (0.15-0.3 s for
   * 1.5 MB) for a clock already held. The same hash is the same bytes, so the same clock: skipped.
   * A forged segment naming it is skipped too, which costs nothing (that whole is verified already).
   */
  private lastVerified: Uint8Array | undefined;

  constructor(clock: BridgeClock) {
    this.reassembler = new SegmentReassembler({ clock });
  }

  /** The verified description a segment completes, or undefined while its whole is incomplete (or a duplicate). */
  add(segment: Segment, reader: ReaderWindow): VerifiedDescription | undefined {
    if (this.lastVerified !== undefined && sameDigest(segment.entireMessageHash, this.lastVerified)) return undefined;
    this.reassembler.expire();
    const outcome = this.reassembler.add(segment);
    if (outcome.status !== "complete") return undefined;
    const verified = openReassembledDescription(outcome.whole, reader);
    this.lastVerified = outcome.hash;
    return verified;
  }

  /** Bytes of the incomplete wholes held. */
  get pendingBytes(): number {
    return this.reassembler.pendingBytes;
  }

  /** When the oldest incomplete whole expires; undefined with none. */
  get nextExpiryAt(): number | undefined {
    return this.reassembler.nextExpiryAt;
  }

  /** Drops the incomplete wholes past their TTL (the receiver's timer, when no segment came to do it). */
  expire(): void {
    this.reassembler.expire();
  }

  /** Frees every incomplete whole (the receiver's close). */
  clear(): void {
    this.reassembler.clear();
  }
}
