import { SIGNATURE_BYTES } from "../limits.js";
import type { SignedCommunityDescription } from "../messages.js";
import { isCommunityId } from "./cd-pointer.js";
import type { WireReader } from "./wire-reader.js";

/** A SignedCommunityDescription, validated as codecs/community-description.ts does, or undefined. */
export function readCommunityDescription(r: WireReader, end: number): SignedCommunityDescription | undefined {
  let communityId: Uint8Array | undefined;
  let clock = 0;
  let description: Uint8Array | undefined;
  let signature: Uint8Array | undefined;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a:
        seen = r.once(seen, tag);
        communityId = r.bytes(end);
        break;
      case 0x10:
        seen = r.once(seen, tag);
        clock = r.uint64(end);
        break;
      case 0x1a:
        seen = r.once(seen, tag);
        description = r.bytes(end);
        break;
      case 0x22:
        seen = r.once(seen, tag);
        signature = r.bytes(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (
    r.failed ||
    !isCommunityId(communityId) ||
    clock < 1 ||
    description === undefined ||
    description.length === 0 ||
    signature === undefined ||
    signature.length !== SIGNATURE_BYTES
  ) {
    return undefined;
  }
  return { communityId, clock, description, signature };
}
