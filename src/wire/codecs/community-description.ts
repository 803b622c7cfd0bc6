import { bytesField } from "../raw-codec.js";
import type { MessageCodec } from "../codec-context.js";
import { checkBytesExact, checkBytesRequired, checkUint, invalidField } from "../field-checks.js";
import { COMMUNITY_ID_BYTES, SIGNATURE_BYTES } from "../limits.js";
import type { SignedCommunityDescription } from "../messages.js";
import { uint64ToNumber } from "../uint64.js";

const M = "SignedCommunityDescription";

/** A compressed secp256k1 public key: 33 bytes starting 0x02 or 0x03. */
export function checkCommunityId(value: unknown, message: string): void {
  checkBytesExact(value, COMMUNITY_ID_BYTES, message, "communityId");
  const prefix = (value as Uint8Array)[0];
  if (prefix !== 0x02 && prefix !== 0x03) {
    throw invalidField(message, "communityId", "must be a compressed secp256k1 public key (first byte 0x02 or 0x03)");
  }
}

function check(v: SignedCommunityDescription): void {
  checkCommunityId(v.communityId, M);
  checkUint(v.clock, 1, Number.MAX_SAFE_INTEGER, M, "clock");
  checkBytesRequired(v.description, M, "description");
  checkBytesExact(v.signature, SIGNATURE_BYTES, M, "signature");
}

export const communityDescriptionCodec: MessageCodec<SignedCommunityDescription> = {
  message: M,
  toView(pb) {
    const view: SignedCommunityDescription = {
      communityId: bytesField(pb.communityId),
      clock: uint64ToNumber(pb.clock, M, "clock"),
      description: bytesField(pb.description),
      signature: bytesField(pb.signature),
    };
    check(view);
    return view;
  },
  toPb(view) {
    check(view);
    return { communityId: view.communityId, clock: view.clock, description: view.description, signature: view.signature };
  },
};
