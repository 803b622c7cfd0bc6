/**
 * The sizes segmentation works with (docs/bridge.md, Segments). A leaf module: constants only.
 */
import { MAX_WRITTEN_ENVELOPE_BYTES } from "../wire/index.js";

/**
 * The largest whole (a description's envelope) a writer segments and a reader reassembles: 8 MiB.
 * A 10,000-member description is about 1.5 MB (facts: ~147 B per member entry); this leaves room
 * for images and token-gated channels' member copies, and bounds what a reader holds for one whole.
 * Larger descriptions go to Codex behind a pointer (whose own cap is the wire's 16 MiB).
 */
export const MAX_DESCRIPTION_BYTES = 8 * 1024 * 1024;

/**
 * Bytes of the whole per segment: one Waku message (MAX_WRITTEN_ENVELOPE_BYTES, 148 KiB) less 6 KiB
 * for the segment envelope's own fields at their caps (fallback text 1 KiB, a sender with 64
 * features of 64 bytes ~4.2 KiB, the segment's hash, index and count ~50 bytes).
 */
export const SEGMENT_PAYLOAD_BYTES = MAX_WRITTEN_ENVELOPE_BYTES - 6 * 1024;

/**
 * Segments one whole may have: what MAX_DESCRIPTION_BYTES takes at SEGMENT_PAYLOAD_BYTES (58). A
 * reader refuses a larger segments_count before holding anything of it; a later release that
 * writes smaller segments must raise this a release ahead.
 */
export const MAX_SEGMENTS_PER_WHOLE = Math.ceil(MAX_DESCRIPTION_BYTES / SEGMENT_PAYLOAD_BYTES);

/** How long an incomplete whole's segments are kept after its first one arrived (2 minutes). */
export const DEFAULT_SEGMENT_TTL_MS = 2 * 60 * 1000;

/** Incomplete wholes held at once; the oldest is dropped for a new one past this. */
export const DEFAULT_MAX_PENDING_WHOLES = 8;

/** Bytes of incomplete wholes held at once (two wholes at their cap); the oldest go first past this. */
export const DEFAULT_MAX_PENDING_BYTES = 2 * MAX_DESCRIPTION_BYTES;
