import { bytesField } from "../raw-codec.js";
import type { CodecContext, MessageCodec } from "../codec-context.js";
import { asciiBytes, asciiText } from "../ascii-fields.js";
import { checkBytesExact, checkCid, checkCidBytes, checkUint, invalidField } from "../field-checks.js";
import { MAX_COMMUNITY_DESCRIPTION_BYTES, SHA256_BYTES, SIGNATURE_BYTES } from "../limits.js";
import type { CommunityDescriptionPointer } from "../messages.js";
import { uint64ToNumber } from "../uint64.js";
import { checkCommunityId } from "./community-description.js";

const M = "CommunityDescriptionPointer";
const SAFE = Number.MAX_SAFE_INTEGER;

function check(v: CommunityDescriptionPointer, ctx: CodecContext, fill: boolean): void {
  checkCommunityId(v.communityId, M);
  checkUint(v.clock, 1, SAFE, M, "clock");
  checkCid(v.cid, true, M, "cid");
  checkBytesExact(v.contentHash, SHA256_BYTES, M, "contentHash");
  // The reader downloads `size` bytes: bounded like the description itself.
  checkUint(v.size, 1, MAX_COMMUNITY_DESCRIPTION_BYTES, M, "size");
  checkUint(v.expiresAt, 0, SAFE, M, "expiresAt");
  checkBytesExact(v.signature, SIGNATURE_BYTES, M, "signature");
  if (!ctx.has(M, "supersedesClock") || !ctx.has(M, "supersedesCid")) return;
  const clock = fill ? (v.supersedesClock ?? 0) : v.supersedesClock;
  const cid = fill ? (v.supersedesCid ?? "") : v.supersedesCid;
  checkUint(clock, 0, SAFE, M, "supersedesClock");
  checkCid(cid, false, M, "supersedesCid");
  if ((clock === 0) !== (cid === "")) {
    throw invalidField(M, clock === 0 ? "supersedesClock" : "supersedesCid", "must be set together with the other supersedes field");
  }
  if ((clock as number) >= v.clock) {
    throw invalidField(M, "supersedesClock", `must be below clock (${v.clock}): a pointer supersedes an older one`);
  }
}

/** A CID read as bytes (see ascii-fields.ts): checked, then made a string. */
function asciiCid(value: unknown, required: boolean, field: string): string {
  const bytes = bytesField(value);
  checkCidBytes(bytes, required, M, field);
  return asciiText(bytes);
}

export const cdPointerCodec: MessageCodec<CommunityDescriptionPointer> = {
  message: M,
  toView(pb, ctx) {
    const view: CommunityDescriptionPointer = {
      communityId: bytesField(pb.communityId),
      clock: uint64ToNumber(pb.clock, M, "clock"),
      cid: asciiCid(pb.cid, true, "cid"),
      contentHash: bytesField(pb.contentHash),
      size: uint64ToNumber(pb.size, M, "size"),
      expiresAt: uint64ToNumber(pb.expiresAt, M, "expiresAt"),
      signature: bytesField(pb.signature),
    };
    if (ctx.has(M, "supersedesClock")) view.supersedesClock = uint64ToNumber(pb.supersedesClock, M, "supersedesClock");
    if (ctx.has(M, "supersedesCid")) view.supersedesCid = asciiCid(pb.supersedesCid, false, "supersedesCid");
    check(view, ctx, false);
    return view;
  },
  toPb(view, ctx) {
    check(view, ctx, true);
    const pb: Record<string, unknown> = {
      communityId: view.communityId,
      clock: view.clock,
      cid: asciiBytes(view.cid),
      contentHash: view.contentHash,
      size: view.size,
      expiresAt: view.expiresAt,
      signature: view.signature,
    };
    if (ctx.has(M, "supersedesClock")) pb.supersedesClock = view.supersedesClock ?? 0;
    if (ctx.has(M, "supersedesCid")) pb.supersedesCid = asciiBytes(view.supersedesCid ?? "");
    return pb;
  },
};
