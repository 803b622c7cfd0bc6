import { MAX_SEGMENTS, SHA256_BYTES } from "../limits.js";
import type { Segment } from "../messages.js";
import type { WireReader } from "./wire-reader.js";

/** A Segment, validated as codecs/segment.ts does, or undefined. */
export function readSegment(r: WireReader, end: number): Segment | undefined {
  let entireMessageHash: Uint8Array | undefined;
  let index = 0;
  let segmentsCount = 0;
  let payload: Uint8Array | undefined;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a:
        seen = r.once(seen, tag);
        entireMessageHash = r.bytes(end);
        break;
      case 0x10:
        seen = r.once(seen, tag);
        index = r.uint32(end);
        break;
      case 0x18:
        seen = r.once(seen, tag);
        segmentsCount = r.uint32(end);
        break;
      case 0x22:
        seen = r.once(seen, tag);
        payload = r.bytes(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (
    r.failed ||
    entireMessageHash === undefined ||
    entireMessageHash.length !== SHA256_BYTES ||
    segmentsCount < 1 ||
    segmentsCount > MAX_SEGMENTS ||
    index >= segmentsCount ||
    payload === undefined ||
    payload.length === 0
  ) {
    return undefined;
  }
  return { entireMessageHash, index, segmentsCount, payload };
}
