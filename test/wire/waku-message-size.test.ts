/**
 * Waku's 150 KiB cap (64/WAKU2-NETWORK, nwaku's default --max-msg-size) is on the whole
 * 14/WAKU2-MESSAGE after protobuf serialisation, not on its payload: a node drops a larger message
 * without telling the sender. What this layer writes must fit once wrapped.
 */
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, encodeSegment, MAX_WAKU_ENVELOPE_BYTES, openEnvelope } from "../../src/wire/index.js";
import { encodeUnchecked } from "./support/views.js";

// 14/WAKU2-MESSAGE with its RLN proof (17/WAKU2-RLN-RELAY), written here from the RFCs' field numbers.
const root = protobuf.parse(`
syntax = "proto3";
message RateLimitProof {
  bytes proof = 1; bytes merkle_root = 2; bytes epoch = 3; bytes share_x = 4;
  bytes share_y = 5; bytes nullifier = 6; bytes rln_identifier = 7;
}
message WakuMessage {
  bytes payload = 1; string content_topic = 2; uint32 version = 3;
  sint64 timestamp = 10; bytes meta = 11; RateLimitProof rate_limit_proof = 21; bool ephemeral = 31;
}`).root;
const WakuMessage = root.lookupType("WakuMessage");

/** The envelope as a Waku message with every other field at a realistic largest. */
function wakuMessageBytes(envelope: Uint8Array): number {
  const b32 = (): Uint8Array => new Uint8Array(32).fill(0xab);
  const message = WakuMessage.create({
    payload: envelope,
    // A Status community's content topic, with room to spare.
    contentTopic: `/status/1/community-${"f".repeat(130)}/proto`,
    version: 1,
    timestamp: 9e18, // nanoseconds: the longest varint sint64 gives
    meta: new Uint8Array(64).fill(1), // the RFC's cap on meta
    rateLimitProof: { proof: new Uint8Array(128).fill(2), merkleRoot: b32(), epoch: b32(), shareX: b32(), shareY: b32(), nullifier: b32(), rlnIdentifier: b32() },
    ephemeral: true,
  });
  return WakuMessage.encode(message).finish().length;
}

/** The largest segment payload encodeEnvelope accepts (binary search). */
function largestWritten(): Uint8Array {
  let lo = 0;
  let hi = MAX_WAKU_ENVELOPE_BYTES;
  const write = (n: number): Uint8Array | undefined => {
    try {
      return encodeEnvelope({ version: 2, type: "segment", payload: new Uint8Array(n).fill(7), fallbackText: "Update Status to open this message." });
    } catch {
      return undefined;
    }
  };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (write(mid) === undefined) hi = mid - 1;
    else lo = mid;
  }
  return write(lo) as Uint8Array;
}

describe("envelopes on Waku", () => {
  it("the largest envelope this layer writes fits Waku's 150 KiB once wrapped in a WakuMessage with its topic, timestamp, meta and RLN proof", () => {
    const envelope = largestWritten();
    expect(envelope.length).toBeGreaterThan(140 * 1024);
    expect(wakuMessageBytes(envelope)).toBeLessThanOrEqual(150 * 1024);
  });

  it("a reader still opens an envelope of the full 150 KiB, as a build from before this cap wrote them", () => {
    const segment = (n: number): Uint8Array => encodeSegment({ entireMessageHash: new Uint8Array(32).fill(1), index: 0, segmentsCount: 2, payload: new Uint8Array(n).fill(7) }, 2);
    const envelope = (n: number): Uint8Array => encodeUnchecked("Envelope", { version: 2, minReader: 1, type: 2, payload: segment(n), fallbackText: "" }, 2);
    let n = MAX_WAKU_ENVELOPE_BYTES - 400;
    while (envelope(n + 1).length <= MAX_WAKU_ENVELOPE_BYTES) n++;
    const bytes = envelope(n);
    expect(bytes.length).toBeGreaterThan(MAX_WAKU_ENVELOPE_BYTES - 8);
    expect(bytes.length).toBeGreaterThan(largestWritten().length);
    expect(openEnvelope(bytes, { min: 1, max: 2 }).payload.kind).toBe("segment");
  });
});
