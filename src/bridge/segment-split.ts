/**
 * A whole envelope too large for one Waku message, split into Segment envelopes (status-go's
 * SegmentMessage shape: entire_message_hash, index, segments_count, payload). The hash is sha256 of the
 * whole, as the schema says: status-go takes keccak256, but these segments are this protocol's own
 * message, and keccak256 here is pure JavaScript, ~200x slower than Node's sha256 (bench/RESULTS.md,
 * bridge): two passes over a 1.5 MB description held a member's event loop for 0.15-0.45 s each.
 */
import { sha256 } from "../crypto/index.js";
import { encodePayloadEnvelope, MAX_WRITTEN_ENVELOPE_BYTES, type CapabilitiesDraft, type Segment } from "../wire/index.js";
import { BridgeError } from "./bridge-error.js";
import { MAX_DESCRIPTION_BYTES, SEGMENT_PAYLOAD_BYTES } from "./segment-limits.js";

/** The segment envelopes' fields: those of the whole's envelope (a seal's options serve as they are). */
export interface SegmentEnvelopeOptions {
  readonly version: number;
  readonly minReader?: number;
  readonly fallbackText?: string;
  readonly sender?: CapabilitiesDraft;
}

/**
 * Splits `whole` (a description's envelope, at most MAX_DESCRIPTION_BYTES) into Segment envelopes
 * of SEGMENT_PAYLOAD_BYTES of it each (the last one the rest), in index order, each within
 * MAX_WRITTEN_ENVELOPE_BYTES. A larger whole is E_BRIDGE_MESSAGE_TOO_LARGE: store it on Codex.
 */
export function segmentEnvelope(whole: Uint8Array, options: SegmentEnvelopeOptions): Uint8Array[] {
  if (!(whole instanceof Uint8Array) || whole.length === 0) throw new TypeError("segmentEnvelope: the whole must be non-empty bytes (a Uint8Array)");
  if (whole.length > MAX_DESCRIPTION_BYTES) {
    throw new BridgeError(
      "E_BRIDGE_MESSAGE_TOO_LARGE",
      `a whole of ${whole.length} bytes is over the ${MAX_DESCRIPTION_BYTES} bytes readers reassemble: store the description on Codex and publish a pointer`,
      { details: { bytes: whole.length, cap: MAX_DESCRIPTION_BYTES } },
    );
  }
  const envelope = {
    version: options.version,
    fallbackText: options.fallbackText ?? "",
    ...(options.minReader === undefined ? {} : { minReader: options.minReader }),
    ...(options.sender === undefined ? {} : { sender: options.sender }),
  };
  return splitWhole(whole, SEGMENT_PAYLOAD_BYTES).map((message) => encodePayloadEnvelope({ kind: "segment", message }, envelope));
}

/** The segments of `whole`, `chunkBytes` of it each (the last one the rest), in index order; payloads are views into `whole`. */
export function splitWhole(whole: Uint8Array, chunkBytes: number): Segment[] {
  const entireMessageHash = sha256(whole);
  const segmentsCount = Math.ceil(whole.length / chunkBytes);
  return Array.from({ length: segmentsCount }, (_, index) => ({
    entireMessageHash,
    index,
    segmentsCount,
    payload: whole.subarray(index * chunkBytes, (index + 1) * chunkBytes),
  }));
}

/** What to publish for `whole`: itself when it fits one Waku message, its segments otherwise. */
export function envelopesToPublish(whole: Uint8Array, options: SegmentEnvelopeOptions): Uint8Array[] {
  return whole.length <= MAX_WRITTEN_ENVELOPE_BYTES ? [whole] : segmentEnvelope(whole, options);
}
