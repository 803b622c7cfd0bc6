import { keccak_256 } from "@noble/hashes/sha3";
import { describe, expect, test } from "vitest";
import { communityContentTopic, communityHex } from "../../src/bridge/community-topic.js";

describe("communityContentTopic: the topic a community's descriptions travel on, as status-go names a chat's", () => {
  const id = new Uint8Array(33).map((_, i) => (i === 0 ? 2 : i));

  test("is /waku/1/0x<first 4 bytes of keccak256 of the ID string>/rfc26", () => {
    const hex = communityHex(id);
    expect(hex).toBe("0x02" + Buffer.from(id.subarray(1)).toString("hex"));
    const digest = Buffer.from(keccak_256(new TextEncoder().encode(hex))).toString("hex");
    expect(communityContentTopic(id)).toBe(`/waku/1/0x${digest.slice(0, 8)}/rfc26`);
    expect(communityContentTopic(id)).toMatch(/^\/waku\/1\/0x[0-9a-f]{8}\/rfc26$/);
  });

  test("another community, another topic; the same one, the same topic", () => {
    const other = Uint8Array.from(id);
    other[32] = (other[32] ?? 0) ^ 1;
    expect(communityContentTopic(other)).not.toBe(communityContentTopic(id));
    expect(communityContentTopic(Uint8Array.from(id))).toBe(communityContentTopic(id));
  });

  test("an ID that is not a 33-byte key is a RangeError", () => {
    expect(() => communityHex(new Uint8Array(32))).toThrow(RangeError);
    expect(() => communityContentTopic(new Uint8Array(65))).toThrow(/33-byte/);
  });
});
