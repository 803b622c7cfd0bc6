import type { MessageName } from "../schema-registry.js";

/** A field as the single-pass readers read it: number, type in the runtime schema, repeated or not. */
export type ReadField = readonly [number: number, type: string, repeated?: "repeated"];

/**
 * Every field the single-pass readers know, by message, as the codec's runtime schema declares it
 * (CIDs and feature names are bytes there, see ascii-fields.ts). The readers switch on these
 * numbers; a test holds every version's schema to this table (same numbers, types, cardinality),
 * so a field added in a new version cannot be missed here.
 */
export const READ_FIELDS: Readonly<Record<MessageName, Readonly<Record<string, ReadField>>>> = Object.freeze({
  Envelope: {
    version: [1, "uint32"],
    minReader: [2, "uint32"],
    type: [3, "PayloadType"],
    payload: [4, "bytes"],
    sender: [5, "Capabilities"],
    fallbackText: [6, "string"],
  },
  Capabilities: { minVersion: [1, "uint32"], maxVersion: [2, "uint32"], features: [3, "bytes", "repeated"] },
  SignedCommunityDescription: { communityId: [1, "bytes"], clock: [2, "uint64"], description: [3, "bytes"], signature: [4, "bytes"] },
  Segment: { entireMessageHash: [1, "bytes"], index: [2, "uint32"], segmentsCount: [3, "uint32"], payload: [4, "bytes"] },
  InlineAttachment: { mime: [1, "string"], fileName: [2, "string"], data: [3, "bytes"], thumbnail: [4, "bytes"] },
  Encryption: { scheme: [1, "EncryptionScheme"], key: [2, "bytes"], noncePrefix: [3, "bytes"], chunkSize: [4, "uint32"] },
  Piece: { cid: [1, "bytes"], size: [2, "uint64"], sha256: [3, "bytes"], index: [4, "uint32"], offset: [5, "uint64"] },
  FileReference: {
    pieces: [1, "Piece", "repeated"],
    encryption: [2, "Encryption"],
    plaintextSize: [3, "uint64"],
    mime: [4, "string"],
    fileName: [5, "string"],
    plaintextSha256: [6, "bytes"],
    uploadedAt: [7, "uint64"],
    expiresAt: [8, "uint64"],
  },
  CommunityDescriptionPointer: {
    communityId: [1, "bytes"],
    clock: [2, "uint64"],
    cid: [3, "bytes"],
    contentHash: [4, "bytes"],
    size: [5, "uint64"],
    expiresAt: [6, "uint64"],
    signature: [7, "bytes"],
    supersedesClock: [8, "uint64"],
    supersedesCid: [9, "bytes"],
  },
});
