import { isFileName, isMime } from "../field-checks.js";
import type { InlineAttachment } from "../messages.js";
import { SKIP, VIEW, type ReadPlan } from "./read-plan.js";
import type { WireReader } from "./wire-reader.js";

/** An InlineAttachment, validated as codecs/inline-attachment.ts does, or undefined. */
export function readInlineAttachment(r: WireReader, end: number, plan: ReadPlan): InlineAttachment | undefined {
  let mime = "";
  let fileName = "";
  let data: Uint8Array | undefined;
  let thumbnail: Uint8Array | undefined;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a:
        seen = r.once(seen, tag);
        mime = r.string(end);
        break;
      case 0x12:
        seen = r.once(seen, tag);
        fileName = r.string(end);
        break;
      case 0x1a:
        seen = r.once(seen, tag);
        data = r.bytes(end);
        break;
      case 0x22:
        if (plan.thumbnail === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          thumbnail = r.bytes(end);
        }
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (r.failed || !isMime(mime) || !isFileName(fileName) || data === undefined || data.length === 0) return undefined;
  const view: InlineAttachment = { mime, fileName, data };
  // The thumbnail is optional (empty when absent) and not checked on read.
  if (plan.thumbnail === VIEW) view.thumbnail = thumbnail ?? new Uint8Array(0);
  return view;
}
