/**
 * Version-independent views of the wire messages: the superset of every protocol version's fields.
 * Fields a version does not have are absent (`undefined`) when read from that version's bytes and
 * are not written by that version's encoder. uint64 fields are JS numbers; values above
 * Number.MAX_SAFE_INTEGER are refused with E_WIRE_INVALID_FIELD.
 *
 * This is the contract other layers (storage, bridge, compat) program against; the codecs in this
 * folder map it to and from each version's protobuf schema in proto/status/storage/vN.
 */

export type PayloadKind =
  | "community-description"
  | "segment"
  | "inline-attachment"
  | "file-reference"
  | "cd-pointer";

export interface Capabilities {
  minVersion: number;
  maxVersion: number;
  features: string[];
}

/**
 * What the encoders take as an envelope's `sender`: Capabilities whose lists may be readonly, so an
 * app passes `profile.release.writes` (frozen) as its features without a copy. Decoded envelopes
 * give Capabilities (a fresh, mutable list), which is one of these.
 */
export interface CapabilitiesDraft {
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly features: readonly string[];
}

export interface Envelope {
  version: number;
  minReader: number;
  type: PayloadKind;
  payload: Uint8Array;
  sender?: Capabilities;
  fallbackText: string;
}

export interface SignedCommunityDescription {
  communityId: Uint8Array;
  clock: number;
  description: Uint8Array;
  signature: Uint8Array;
}

export interface Segment {
  entireMessageHash: Uint8Array;
  index: number;
  segmentsCount: number;
  payload: Uint8Array;
}

export interface InlineAttachment {
  mime: string;
  fileName: string;
  data: Uint8Array;
  /** Version 1 only. */
  thumbnail?: Uint8Array;
}

export interface Encryption {
  /** The one scheme this protocol reads; see `newerScheme` for a forwarded newer message. */
  scheme: "aes-256-gcm-stream";
  /** 32 bytes. Never logged. */
  key: Uint8Array;
  /** 7 bytes. */
  noncePrefix: Uint8Array;
  chunkSize: number;
  /**
   * Only in a message `decodeForForwarding` took from a writer newer than this node: the number of
   * a scheme that writer's version added and this one does not know. `scheme` then does not
   * describe it, and `key`, `noncePrefix` and `chunkSize` are what the bytes hold under this
   * version's field numbers, unchecked (this version cannot know that scheme's rules); `encode()`
   * writes them back as they are. Never set by a read, refused from a writer.
   */
  newerScheme?: number;
}

export interface Piece {
  cid: string;
  size: number;
  sha256: Uint8Array;
  /** Version 3; readers fall back to list position. */
  index?: number;
  /** Version 3; readers fall back to the sum of earlier sizes. */
  offset?: number;
}

export interface FileReference {
  pieces: Piece[];
  encryption: Encryption;
  plaintextSize: number;
  mime: string;
  fileName: string;
  plaintextSha256: Uint8Array;
  /** Version 3: unix seconds of the last upload, 0/absent when unknown. */
  uploadedAt?: number;
  /** Version 3: unix seconds after which pieces may be gone unless renewed. */
  expiresAt?: number;
}

export interface CommunityDescriptionPointer {
  communityId: Uint8Array;
  clock: number;
  cid: string;
  contentHash: Uint8Array;
  size: number;
  expiresAt: number;
  signature: Uint8Array;
  /** Version 3. */
  supersedesClock?: number;
  /** Version 3. */
  supersedesCid?: string;
}
