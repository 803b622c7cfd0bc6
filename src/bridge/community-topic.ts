// The crypto layer's keccak256 loads noble on first use: importing the bridge (the package's entry) loads none of it.
import { keccak256 } from "../crypto/index.js";
import { COMMUNITY_ID_BYTES } from "../wire/index.js";

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/**
 * A community's ID as Status writes it: `0x` and the hex of its 33-byte compressed public key
 * (status-go's IDString), the key of the state's `communities` and `cd_pointers` rows.
 */
export function communityHex(communityId: Uint8Array): string {
  if (!(communityId instanceof Uint8Array) || communityId.byteLength !== COMMUNITY_ID_BYTES) {
    throw new RangeError(`a community ID is the ${COMMUNITY_ID_BYTES}-byte compressed public key of the community, not ${communityId instanceof Uint8Array ? `${communityId.byteLength} bytes` : typeof communityId}`);
  }
  return `0x${hexOf(communityId)}`;
}

/**
 * The content topic a community's descriptions and pointers travel on, as status-go derives a
 * chat's (transport/topic.go ToTopic and wakuv2/common/topic.go): the first 4 bytes of keccak256
 * of the community's ID string, `/waku/1/0x<8 hex>/rfc26`. Four bytes collide across communities
 * now and then, as in Status: receivers check each message's community_id and signature, never the
 * topic alone.
 */
export function communityContentTopic(communityId: Uint8Array): string {
  const digest = keccak256(new TextEncoder().encode(communityHex(communityId)));
  return `/waku/1/0x${hexOf(digest.subarray(0, 4))}/rfc26`;
}
