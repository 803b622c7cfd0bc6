import { isCidAt } from "../cid-syntax.js";
import { COMMUNITY_ID_BYTES, MAX_COMMUNITY_DESCRIPTION_BYTES, SHA256_BYTES, SIGNATURE_BYTES } from "../limits.js";
import type { CommunityDescriptionPointer } from "../messages.js";
import { SKIP, VIEW, type ReadPlan } from "./read-plan.js";
import type { WireReader } from "./wire-reader.js";

/** A compressed secp256k1 public key: 33 bytes starting 0x02 or 0x03 (codecs/community-description.ts). */
export function isCommunityId(id: Uint8Array | undefined): id is Uint8Array {
  return id !== undefined && id.length === COMMUNITY_ID_BYTES && (id[0] === 0x02 || id[0] === 0x03);
}

/** A CommunityDescriptionPointer, validated as codecs/cd-pointer.ts does, or undefined. */
export function readCdPointer(r: WireReader, end: number, plan: ReadPlan): CommunityDescriptionPointer | undefined {
  let communityId: Uint8Array | undefined;
  let clock = 0;
  let cidStart = 0;
  let cidEnd = 0;
  let contentHash: Uint8Array | undefined;
  let size = 0;
  let expiresAt = 0;
  let signature: Uint8Array | undefined;
  let supersedesClock = 0;
  let oldCidStart = 0;
  let oldCidEnd = 0;
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
        cidEnd = r.delimitedEnd(end);
        cidStart = r.pos;
        r.pos = cidEnd;
        break;
      case 0x22:
        seen = r.once(seen, tag);
        contentHash = r.bytes(end);
        break;
      case 0x28:
        seen = r.once(seen, tag);
        size = r.uint64(end);
        break;
      case 0x30:
        seen = r.once(seen, tag);
        expiresAt = r.uint64(end);
        break;
      case 0x3a:
        seen = r.once(seen, tag);
        signature = r.bytes(end);
        break;
      case 0x40:
        if (plan.supersedesClock === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          supersedesClock = r.uint64(end);
        }
        break;
      case 0x4a:
        if (plan.supersedesCid === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          oldCidEnd = r.delimitedEnd(end);
          oldCidStart = r.pos;
          r.pos = oldCidEnd;
        }
        break;
      default:
        r.skip(tag, end);
    }
  }
  const withClock = plan.supersedesClock === VIEW;
  const withCid = plan.supersedesCid === VIEW;
  const hasOldCid = oldCidEnd > oldCidStart;
  if (
    r.failed ||
    !isCommunityId(communityId) ||
    clock < 1 ||
    !isCidAt(r.buf, cidStart, cidEnd) ||
    contentHash === undefined ||
    contentHash.length !== SHA256_BYTES ||
    size < 1 ||
    size > MAX_COMMUNITY_DESCRIPTION_BYTES ||
    expiresAt < 0 ||
    signature === undefined ||
    signature.length !== SIGNATURE_BYTES ||
    (withClock && supersedesClock < 0) ||
    (withCid && hasOldCid && !isCidAt(r.buf, oldCidStart, oldCidEnd)) ||
    (withClock && withCid && ((supersedesClock === 0) !== !hasOldCid || supersedesClock >= clock))
  ) {
    return undefined;
  }
  const view: CommunityDescriptionPointer = {
    communityId,
    clock,
    cid: r.asciiAt(cidStart, cidEnd),
    contentHash,
    size,
    expiresAt,
    signature,
  };
  if (withClock) view.supersedesClock = supersedesClock;
  if (withCid) view.supersedesCid = r.asciiAt(oldCidStart, oldCidEnd);
  return view;
}
