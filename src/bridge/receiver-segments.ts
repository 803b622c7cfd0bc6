import type { ReaderWindow, Segment } from "../wire/index.js";
import type { BridgeClock } from "./clock.js";
import { SegmentReassembler } from "./segment-reassembler.js";
import { openReassembledDescription, type VerifiedDescription } from "./signed-open.js";

/**
 * The receiver's side of segmentation: segments go to a reassembler on the receiver's clock
 * (incomplete wholes expire as segments keep coming; no timer of its own), and a completed whole is
 * opened and verified as a description. Segments of a whole already completed are duplicates.
 * Errors are the reassembler's and the open's BridgeErrors (E_BRIDGE_SEGMENT_INVALID,
 * E_BRIDGE_UNREADABLE, E_BRIDGE_SIGNATURE_INVALID), for the receiver to count and drop.
 */
export class ReceiverSegments {
  private readonly reassembler: SegmentReassembler;

  constructor(clock: BridgeClock) {
    this.reassembler = new SegmentReassembler({ clock });
  }

  /** The verified description a segment completes, or undefined while its whole is incomplete (or a duplicate). */
  add(segment: Segment, reader: ReaderWindow): VerifiedDescription | undefined {
    this.reassembler.expire();
    const outcome = this.reassembler.add(segment);
    if (outcome.status !== "complete") return undefined;
    return openReassembledDescription(outcome.whole, reader);
  }

  /** Frees every incomplete whole (the receiver's close). */
  clear(): void {
    this.reassembler.clear();
  }
}
