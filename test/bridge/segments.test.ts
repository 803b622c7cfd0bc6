/**
 * A description too large for one Waku message goes out as Segment envelopes and is put back
 * together whatever the order, duplicates and other wholes in between; memory stays bounded,
 * incomplete wholes expire on the clock given, and nothing but the exact whole its segments name
 * ever comes out.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import {
  MAX_DESCRIPTION_BYTES,
  MAX_SEGMENTS_PER_WHOLE,
  SEGMENT_PAYLOAD_BYTES,
  SegmentReassembler,
  envelopesToPublish,
  openBridgeEnvelope,
  openReassembledDescription,
  sealCommunityDescription,
  segmentEnvelope,
  type SegmentOutcome,
} from "../../src/bridge/index.js";
import { splitWhole } from "../../src/bridge/segment-split.js";
import { keccak256, newSecretKey, sha256 } from "../../src/crypto/index.js";
import { profileFor } from "../../src/versions/index.js";
import { MAX_FALLBACK_TEXT_BYTES, MAX_FEATURES, MAX_FEATURE_BYTES, MAX_WRITTEN_ENVELOPE_BYTES, type Segment } from "../../src/wire/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + (i >> 8)) & 0xff);

/** A clock the test moves. */
function manualClock(start = 1_000): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof BridgeError) return err.code;
    throw err;
  }
  return undefined;
}

describe("segmenting a whole envelope", () => {
  const key = newSecretKey();
  const sealed = sealCommunityDescription({ description: bytes(1_500_000), clock: 4 }, { secretKey: key, version: 2 });

  it("cuts a 1.5 MB description into Segment envelopes each within one Waku message, readable by 0.1.0 to 0.3.0", () => {
    const envelopes = segmentEnvelope(sealed.envelope, { version: 2 });
    expect(envelopes.length).toBe(Math.ceil(sealed.envelope.length / SEGMENT_PAYLOAD_BYTES));
    for (const envelope of envelopes) expect(envelope.length).toBeLessThanOrEqual(MAX_WRITTEN_ENVELOPE_BYTES);
    for (const reader of [{ min: 1, max: 1 }, { min: 1, max: 2 }, { min: 2, max: 3 }]) {
      const opened = openBridgeEnvelope(envelopes[0] as Uint8Array, reader);
      expect(opened.kind === "segment" && hex(opened.message.entireMessageHash)).toBe(hex(sha256(sealed.envelope)));
    }
  });

  it("fits one Waku message per segment with the envelope's own fields at their caps", () => {
    const sender = { minVersion: 1, maxVersion: 3, features: Array.from({ length: MAX_FEATURES }, (_, i) => `f${i}`.padEnd(MAX_FEATURE_BYTES, "x")) };
    const fallbackText = "u".repeat(MAX_FALLBACK_TEXT_BYTES);
    const envelopes = segmentEnvelope(sealed.envelope, { version: 3, sender, fallbackText });
    for (const envelope of envelopes) expect(envelope.length).toBeLessThanOrEqual(MAX_WRITTEN_ENVELOPE_BYTES);
  });

  it("publishes a whole that fits one message as itself, and refuses one past MAX_DESCRIPTION_BYTES", () => {
    const small = sealCommunityDescription({ description: bytes(1_000), clock: 4 }, { secretKey: key, version: 2 });
    expect(envelopesToPublish(small.envelope, { version: 2 })).toEqual([small.envelope]);
    expect(envelopesToPublish(sealed.envelope, { version: 2 }).length).toBeGreaterThan(1);
    expect(codeOf(() => segmentEnvelope(new Uint8Array(MAX_DESCRIPTION_BYTES + 1), { version: 2 }))).toBe("E_BRIDGE_MESSAGE_TOO_LARGE");
    expect(MAX_SEGMENTS_PER_WHOLE).toBe(Math.ceil(MAX_DESCRIPTION_BYTES / SEGMENT_PAYLOAD_BYTES));
  });

  it("round trip: shuffled and duplicated segment envelopes reassemble into the whole, which opens verified", () => {
    const envelopes = segmentEnvelope(sealed.envelope, { version: 2 });
    const order = [...envelopes.keys()].reverse().flatMap((i) => [i, i]);
    const reassembler = new SegmentReassembler({ clock: manualClock() });
    const done: Uint8Array[] = [];
    for (const i of order) {
      const opened = openBridgeEnvelope(envelopes[i] as Uint8Array, { min: 1, max: 2 });
      if (opened.kind !== "segment") throw new Error("not a segment");
      const outcome = reassembler.add(opened.message);
      if (outcome.status === "complete") done.push(outcome.whole);
    }
    expect(done.length).toBe(1);
    expect(hex(sha256(done[0] as Uint8Array))).toBe(hex(sha256(sealed.envelope)));
    expect(openReassembledDescription(done[0] as Uint8Array, { min: 2, max: 3 }).message.description.length).toBe(1_500_000);
    expect(reassembler.pendingBytes).toBe(0);
  });
});

describe("adjacent releases: a segmented description reaches every release whose window reads its version", () => {
  const key = newSecretKey();
  // version written -> the releases (by protocol) that read it: N-1, N and N+1 where they exist.
  const readers: Record<number, number[]> = { 1: [1, 2], 2: [1, 2, 3], 3: [2, 3] };
  for (const [version, protocols] of Object.entries(readers).map(([v, ps]) => [Number(v), ps] as const)) {
    it(`version ${version}, 300 kB, to ${protocols.map((p) => profileFor(p).release.release).join(", ")}`, () => {
      const sealed = sealCommunityDescription({ description: bytes(300_000, version), clock: 9 }, { secretKey: key, version });
      const envelopes = envelopesToPublish(sealed.envelope, { version });
      expect(envelopes.length).toBeGreaterThan(1);
      for (const protocol of protocols) {
        const { window } = profileFor(protocol);
        const reassembler = new SegmentReassembler({ clock: manualClock() });
        let whole: Uint8Array | undefined;
        for (const envelope of [...envelopes].reverse()) {
          const opened = openBridgeEnvelope(envelope, window);
          if (opened.kind !== "segment") throw new Error("not a segment");
          const outcome = reassembler.add(opened.message);
          if (outcome.status === "complete") whole = outcome.whole;
        }
        const verified = openReassembledDescription(whole as Uint8Array, window);
        expect({ protocol, description: hex(keccak256(verified.message.description)) }).toEqual({ protocol, description: hex(keccak256(bytes(300_000, version))) });
      }
    });
  }
});

/** Two to four small wholes, each cut into segments of a small chunk, delivered in a random order with duplicates. */
const deliveryArb = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
    chunk: fc.integer({ min: 8, max: 64 }), // at most 50 segments a whole: within MAX_SEGMENTS_PER_WHOLE
    seed: fc.integer({ min: 0, max: 1000 }),
    duplicates: fc.array(fc.nat(), { maxLength: 20 }),
  })
  .chain(({ sizes, chunk, seed, duplicates }) => {
    const wholes = sizes.map((n, i) => bytes(n, seed + i));
    const segments = wholes.flatMap((w) => splitWhole(w, chunk));
    const withDuplicates = [...segments, ...duplicates.map((d) => segments[d % segments.length] as Segment)];
    return fc.shuffledSubarray(withDuplicates, { minLength: withDuplicates.length, maxLength: withDuplicates.length }).map((order) => ({ wholes, order }));
  });

function feed(reassembler: SegmentReassembler, order: readonly Segment[]): { complete: Uint8Array[]; errors: string[] } {
  const complete: Uint8Array[] = [];
  const errors: string[] = [];
  for (const segment of order) {
    let outcome: SegmentOutcome;
    try {
      outcome = reassembler.add(segment);
    } catch (err) {
      if (!(err instanceof BridgeError)) throw err;
      errors.push(err.code);
      continue;
    }
    if (outcome.status === "complete") complete.push(outcome.whole);
  }
  return { complete, errors };
}

describe("SegmentReassembler", () => {
  test.prop([deliveryArb], { numRuns: 120 })(
    "any order of wholes' segments, with duplicates and interleaved, gives each whole exactly once and frees its memory",
    ({ wholes, order }) => {
      const reassembler = new SegmentReassembler({ clock: manualClock() });
      const { complete, errors } = feed(reassembler, order);
      expect(errors).toEqual([]);
      const distinct = new Set(wholes.map(hex));
      expect(complete.map(hex).sort()).toEqual([...distinct].sort());
      expect(reassembler.pendingWholes).toBe(0);
      expect(reassembler.pendingBytes).toBe(0);
    },
  );

  const alteration = fc.record({ which: fc.nat(), how: fc.constantFrom("payload", "hash", "index", "count", "drop-byte"), xor: fc.integer({ min: 1, max: 255 }), at: fc.nat() });

  test.prop([deliveryArb, fc.array(alteration, { minLength: 1, maxLength: 4 })], { numRuns: 150 })(
    "altered segments never yield a wrong whole: whatever completes is a whole that was sent",
    ({ wholes, order }, alterations) => {
      const sent = new Set(wholes.map(hex));
      const altered = order.map((s) => ({ ...s }));
      for (const { which, how, xor, at } of alterations) {
        const i = which % altered.length;
        const s = altered[i] as Segment;
        if (how === "payload") {
          const p = Uint8Array.from(s.payload);
          p[at % p.length] = (p[at % p.length] as number) ^ xor;
          s.payload = p;
        } else if (how === "hash") {
          const h = Uint8Array.from(s.entireMessageHash);
          h[at % 32] = (h[at % 32] as number) ^ xor;
          s.entireMessageHash = h;
        } else if (how === "index") s.index = (s.index + 1 + (at % 3)) % (s.segmentsCount + 2);
        else if (how === "count") s.segmentsCount = s.segmentsCount + 1 + (at % 3);
        else if (s.payload.length > 1) s.payload = s.payload.subarray(1);
      }
      const reassembler = new SegmentReassembler({ clock: manualClock() });
      const { complete, errors } = feed(reassembler, altered);
      for (const whole of complete) expect(sent.has(hex(whole))).toBe(true);
      for (const code of errors) expect(code).toBe("E_BRIDGE_SEGMENT_INVALID");
      expect(reassembler.pendingBytes).toBeGreaterThanOrEqual(0);
    },
  );

  test.prop([deliveryArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 400, max: 1200 })], { numRuns: 100 })(
    "pending memory never exceeds its bounds, whatever arrives",
    ({ order }, maxPendingWholes, maxPendingBytes) => {
      const reassembler = new SegmentReassembler({ clock: manualClock(), maxPendingWholes, maxPendingBytes, maxWholeBytes: 400 });
      for (const segment of order) {
        reassembler.add(segment);
        expect(reassembler.pendingWholes).toBeLessThanOrEqual(maxPendingWholes);
        expect(reassembler.pendingBytes).toBeLessThanOrEqual(maxPendingBytes);
      }
    },
  );

  it("refuses counts that disagree, an index past the count and too many segments, dropping the whole", () => {
    const reassembler = new SegmentReassembler({ clock: manualClock() });
    const [first, second] = splitWhole(bytes(100), 10) as [Segment, Segment];
    expect(reassembler.add(first).status).toBe("pending");
    expect(reassembler.pendingBytes).toBe(10);
    expect(codeOf(() => reassembler.add({ ...second, segmentsCount: 11 }))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(reassembler.pendingBytes).toBe(0);
    expect(reassembler.pendingWholes).toBe(0);
    expect(reassembler.add(first).status).toBe("pending");
    expect(codeOf(() => reassembler.add({ ...second, index: 10 }))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(reassembler.pendingBytes).toBe(0);
    expect(codeOf(() => reassembler.add({ ...first, segmentsCount: MAX_SEGMENTS_PER_WHOLE + 1 }))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(codeOf(() => reassembler.add({ ...first, segmentsCount: 0, index: 0 }))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(codeOf(() => reassembler.add({ ...first, index: -1 }))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(reassembler.pendingWholes).toBe(0);
  });

  it("refuses a whole whose sha256 is not the hash its segments named, and a whole past maxWholeBytes", () => {
    const reassembler = new SegmentReassembler({ clock: manualClock(), maxWholeBytes: 50, maxPendingBytes: 100 });
    const wrongHash = splitWhole(bytes(30), 10).map((s) => ({ ...s, entireMessageHash: new Uint8Array(32).fill(7) }));
    expect(reassembler.add(wrongHash[0] as Segment).status).toBe("pending");
    expect(reassembler.add(wrongHash[1] as Segment).status).toBe("pending");
    expect(codeOf(() => reassembler.add(wrongHash[2] as Segment))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(reassembler.pendingBytes).toBe(0);
    const big = splitWhole(bytes(60), 20);
    reassembler.add(big[0] as Segment);
    reassembler.add(big[1] as Segment);
    expect(codeOf(() => reassembler.add(big[2] as Segment))).toBe("E_BRIDGE_SEGMENT_INVALID");
    expect(reassembler.pendingBytes).toBe(0);
  });

  it("expires an incomplete whole after its TTL on the clock given, and takes late segments of a completed whole as duplicates", () => {
    const clock = manualClock();
    const reassembler = new SegmentReassembler({ clock, ttlMs: 1_000 });
    const segments = splitWhole(bytes(30), 10);
    reassembler.add(segments[0] as Segment);
    clock.advance(999);
    expect(reassembler.expire()).toBe(0);
    expect(reassembler.pendingWholes).toBe(1);
    clock.advance(1);
    expect(reassembler.expire()).toBe(1);
    expect(reassembler.pendingBytes).toBe(0);
    // The rest alone does not complete it: its first segment is gone.
    expect(reassembler.add(segments[1] as Segment).status).toBe("pending");
    expect(reassembler.add(segments[2] as Segment).status).toBe("pending");
    expect(reassembler.add(segments[0] as Segment).status).toBe("complete");
    expect(reassembler.add(segments[1] as Segment).status).toBe("duplicate");
    clock.advance(1_000);
    expect(reassembler.add(segments[1] as Segment).status).toBe("pending");
  });

  it("drops the oldest incomplete whole to make room for a new one", () => {
    const reassembler = new SegmentReassembler({ clock: manualClock(), maxPendingWholes: 2 });
    const [a, b, c] = [bytes(20, 1), bytes(20, 2), bytes(20, 3)].map((w) => splitWhole(w, 10)) as [Segment[], Segment[], Segment[]];
    reassembler.add(a[0] as Segment);
    reassembler.add(b[0] as Segment);
    reassembler.add(c[0] as Segment);
    expect(reassembler.pendingWholes).toBe(2);
    expect(reassembler.evicted).toBe(1);
    expect(reassembler.add(b[1] as Segment).status).toBe("complete");
    expect(reassembler.add(a[1] as Segment).status).toBe("pending");
  });

  it("refuses options it cannot honour", () => {
    const clock = manualClock();
    expect(() => new SegmentReassembler({ clock, maxPendingBytes: 10, maxWholeBytes: 20 })).toThrow(RangeError);
    expect(() => new SegmentReassembler({ clock, maxWholeBytes: MAX_DESCRIPTION_BYTES + 1 })).toThrow(RangeError);
    expect(() => new SegmentReassembler({ clock, ttlMs: 0 })).toThrow(RangeError);
    expect(() => new SegmentReassembler({} as never)).toThrow(TypeError);
    expect(() => new SegmentReassembler({ clock, maxPendingByte: 10 } as never)).toThrow(/did you mean "maxPendingBytes"/);
  });
});
