/** The single-pass reader of each payload kind, behind one entry. */
import type { CodecContext } from "../codec-context.js";
import type { PayloadViews } from "../codecs/index.js";
import type { PayloadKind } from "../messages.js";
import { readCdPointer } from "./cd-pointer.js";
import { readCommunityDescription } from "./community-description.js";
import { readFileReference } from "./file-reference.js";
import { readInlineAttachment } from "./inline-attachment.js";
import { readPlanOf } from "./read-plan.js";
import { readSegment } from "./segment.js";
import { WireReader } from "./wire-reader.js";

/** The payload of `kind` between `r.pos` and `end`, read with `ctx`, or undefined. */
export function readPayloadAt<K extends PayloadKind>(kind: K, r: WireReader, end: number, ctx: CodecContext): PayloadViews[K] | undefined {
  let view: PayloadViews[PayloadKind] | undefined;
  switch (kind as PayloadKind) {
    case "file-reference":
      view = readFileReference(r, end, readPlanOf(ctx));
      break;
    case "cd-pointer":
      view = readCdPointer(r, end, readPlanOf(ctx));
      break;
    case "community-description":
      view = readCommunityDescription(r, end);
      break;
    case "segment":
      view = readSegment(r, end);
      break;
    case "inline-attachment":
      view = readInlineAttachment(r, end, readPlanOf(ctx));
      break;
  }
  return view as PayloadViews[K] | undefined;
}

/** A whole input as a payload of `kind` (see readPayloadAt). */
export function readPayload<K extends PayloadKind>(kind: K, bytes: Uint8Array, ctx: CodecContext): PayloadViews[K] | undefined {
  return readPayloadAt(kind, new WireReader(bytes), bytes.length, ctx);
}
