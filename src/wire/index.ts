/**
 * The wire: every message of protocol versions 1..N to and from bytes, the envelope and its
 * readability rule, forwarding that keeps fields a newer writer added, and validation of untrusted
 * bytes. Decoding untrusted bytes throws only WireError. See docs/wire.md.
 */
export type {
  PayloadKind,
  Capabilities,
  CapabilitiesDraft,
  Envelope,
  SignedCommunityDescription,
  Segment,
  InlineAttachment,
  Encryption,
  Piece,
  FileReference,
  CommunityDescriptionPointer,
} from "./messages.js";
export { WireError, isWireError } from "./wire-error.js";
export type { WireErrorCode, WireErrorDetails } from "./wire-error.js";
export * from "./limits.js";
export { DEFAULT_FALLBACK_TEXT, encodeEnvelope, encodePayloadEnvelope, encodeWholeEnvelope, openEnvelope, openWholeEnvelope } from "./envelope.js";
export type { EnvelopeDraft, OpenedEnvelope, OpenEnvelopeOptions, ReaderWindow } from "./envelope.js";
export { decodePayload, encodePayload } from "./payload-codec.js";
export type { DecodeOptions, Payload, ReadAt } from "./payload-codec.js";
export type { PayloadViews } from "./codecs/index.js";
export * from "./payload-functions.js";
export { decodeForForwarding } from "./forwarding.js";
export { withoutField } from "./field-split.js";
export type { FieldSplit, FieldSplitFault } from "./field-split.js";
export type { Forwardable } from "./forwarding.js";
export { PAYLOAD_KINDS, introducedIn, isPayloadKind, minReaderFor } from "./payload-kinds.js";
export { SCHEMA_VERSIONS, OLDEST_SCHEMA_VERSION, NEWEST_SCHEMA_VERSION } from "./schema-registry.js";
export { sanitizeFileName, FALLBACK_FILE_NAME } from "./file-name.js";
export { isCidSyntax } from "./cid-syntax.js";
