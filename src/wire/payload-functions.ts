/** One encode/decode pair per payload message, for callers that know what they hold. */
import type {
  CommunityDescriptionPointer,
  FileReference,
  InlineAttachment,
  Segment,
  SignedCommunityDescription,
} from "./messages.js";
import { decodePayload, encodePayload, type DecodeOptions, type ReadAt } from "./payload-codec.js";

type At = number | ReadAt;

export function encodeSignedCommunityDescription(message: SignedCommunityDescription, version: number): Uint8Array {
  return encodePayload("community-description", message, version);
}
export function decodeSignedCommunityDescription(bytes: Uint8Array, at: At, options?: DecodeOptions): SignedCommunityDescription {
  return decodePayload("community-description", bytes, at, options);
}

export function encodeSegment(message: Segment, version: number): Uint8Array {
  return encodePayload("segment", message, version);
}
export function decodeSegment(bytes: Uint8Array, at: At, options?: DecodeOptions): Segment {
  return decodePayload("segment", bytes, at, options);
}

export function encodeInlineAttachment(message: InlineAttachment, version: number): Uint8Array {
  return encodePayload("inline-attachment", message, version);
}
export function decodeInlineAttachment(bytes: Uint8Array, at: At, options?: DecodeOptions): InlineAttachment {
  return decodePayload("inline-attachment", bytes, at, options);
}

export function encodeFileReference(message: FileReference, version: number): Uint8Array {
  return encodePayload("file-reference", message, version);
}
export function decodeFileReference(bytes: Uint8Array, at: At, options?: DecodeOptions): FileReference {
  return decodePayload("file-reference", bytes, at, options);
}

export function encodeCommunityDescriptionPointer(message: CommunityDescriptionPointer, version: number): Uint8Array {
  return encodePayload("cd-pointer", message, version);
}
export function decodeCommunityDescriptionPointer(
  bytes: Uint8Array,
  at: At,
  options?: DecodeOptions,
): CommunityDescriptionPointer {
  return decodePayload("cd-pointer", bytes, at, options);
}
