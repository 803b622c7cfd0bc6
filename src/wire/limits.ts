/**
 * Caps on what the wire layer accepts. Byte caps are checked before anything is decoded; counts and
 * lengths are checked on the decoded message. Writers are held to the same caps (and envelopes to a
 * lower one, MAX_WRITTEN_ENVELOPE_BYTES), so nothing this layer writes is refused by a reader.
 */

/** A whole envelope read from Waku (Waku's own limit is 150 KiB per message). */
export const MAX_WAKU_ENVELOPE_BYTES = 150 * 1024;

/**
 * What a writer leaves of that for the WakuMessage around the envelope: Waku's 150 KiB is on the
 * whole serialised message (64/WAKU2-NETWORK), whose content topic, timestamp, meta (≤ 64 bytes)
 * and RLN proof (about 350 bytes) come on top, and nwaku drops a larger message without a word.
 */
export const WAKU_MESSAGE_HEADROOM_BYTES = 2 * 1024;

/** The largest envelope a writer produces; readers still take MAX_WAKU_ENVELOPE_BYTES from older writers. */
export const MAX_WRITTEN_ENVELOPE_BYTES = MAX_WAKU_ENVELOPE_BYTES - WAKU_MESSAGE_HEADROOM_BYTES;

/** A payload carried in an envelope: FileReference, pointer, inline attachment, segment. */
export const MAX_PAYLOAD_BYTES = MAX_WAKU_ENVELOPE_BYTES;

/**
 * A SignedCommunityDescription, stored on Codex or reassembled from segments. A 10,000-member
 * community's description is a few MiB; this leaves room and still bounds what a reader downloads.
 */
export const MAX_COMMUNITY_DESCRIPTION_BYTES = 16 * 1024 * 1024;

/**
 * A whole envelope too large for one Waku message, written to be split into Segment envelopes and
 * read once they are put back together: a SignedCommunityDescription at its cap, with room for the
 * envelope's own fields (fallback text, the sender's capabilities).
 */
export const MAX_WHOLE_ENVELOPE_BYTES = MAX_COMMUNITY_DESCRIPTION_BYTES + 8 * 1024;

/** Pieces in one FileReference (1,024 pieces of 8 MiB is an 8 GiB file; the list still fits a Waku message). */
export const MAX_PIECES = 1024;

/** Segments one community description may be split into (256 x ~150 KiB covers the description cap). */
export const MAX_SEGMENTS = 256;

/** Feature flags in one Capabilities message, and the length of each. */
export const MAX_FEATURES = 64;
export const MAX_FEATURE_BYTES = 64;

/** Plaintext bytes per AEAD chunk; a reader allocates one chunk at a time, so this bounds that buffer. */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;

/** File names, in UTF-8 bytes (what most file systems allow for one path component). */
export const MAX_FILE_NAME_BYTES = 255;

/** MIME types with parameters, in bytes (RFC 6838 allows 127 for type and subtype each). */
export const MAX_MIME_BYTES = 255;

/** The text an old reader shows instead of the payload, in UTF-8 bytes. */
export const MAX_FALLBACK_TEXT_BYTES = 1024;

/** CID strings (base58btc, "z..."): a CIDv1 with a sha2-256 multihash is about 50-60 characters. */
export const MIN_CID_CHARS = 8;
export const MAX_CID_CHARS = 128;

/** Exact byte lengths. */
export const CONTENT_KEY_BYTES = 32;
export const NONCE_PREFIX_BYTES = 7;
export const SHA256_BYTES = 32;
export const SIGNATURE_BYTES = 65;
export const COMMUNITY_ID_BYTES = 33;

/**
 * Unknown fields a node keeps to forward one message (decodeForForwarding), over every depth.
 * protobufjs keeps each as its own object, ~60 times the two bytes a field can take; a newer
 * writer adds a handful per message or per piece (1,024 pieces), far below this.
 */
export const MAX_UNKNOWN_FIELDS = 16_384;

/**
 * Occurrences of a known singular field after its first in the same message, over every depth.
 * protobuf lets a field come again (the last value wins, a message merges into the first), and
 * protobufjs decodes every occurrence (an object per bytes field, a merge per message field, a
 * Long per uint64): 75,000 in 150 KiB, 8 million in a 16 MiB description, from any peer. No writer
 * of this protocol sends a field twice. Forwarding counts them together with its unknown fields
 * against MAX_UNKNOWN_FIELDS, the same number: whatever a read refuses for this, a forward refuses.
 */
export const MAX_REPEATED_FIELDS = 16_384;
