import type { MessageCodec } from "../codec-context.js";
import type {
  CommunityDescriptionPointer,
  FileReference,
  InlineAttachment,
  PayloadKind,
  Segment,
  SignedCommunityDescription,
} from "../messages.js";
import { cdPointerCodec } from "./cd-pointer.js";
import { communityDescriptionCodec } from "./community-description.js";
import { fileReferenceCodec } from "./file-reference.js";
import { inlineAttachmentCodec } from "./inline-attachment.js";
import { segmentCodec } from "./segment.js";

/** The view of each payload kind. */
export interface PayloadViews {
  "community-description": SignedCommunityDescription;
  segment: Segment;
  "inline-attachment": InlineAttachment;
  "file-reference": FileReference;
  "cd-pointer": CommunityDescriptionPointer;
}

export const PAYLOAD_CODECS: { readonly [K in PayloadKind]: MessageCodec<PayloadViews[K]> } = Object.freeze({
  "community-description": communityDescriptionCodec,
  segment: segmentCodec,
  "inline-attachment": inlineAttachmentCodec,
  "file-reference": fileReferenceCodec,
  "cd-pointer": cdPointerCodec,
});
