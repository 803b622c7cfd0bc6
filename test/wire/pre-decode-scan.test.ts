/**
 * The pre-decode scan (src/wire/pre-decode-scan.ts) counts, in one walk, the capped lists and (for
 * forwarding) the unknown fields protobufjs would build. These hold the list count to protobufjs
 * itself, on messages whose lists straddle the cap, and hold the one walk to the same answers as
 * each count made alone.
 */
import { fc, test } from "@fast-check/vitest";
import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import { MAX_FEATURES, MAX_PIECES, WireError, encodeEnvelope, encodePayload, openEnvelope } from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { scanBeforeDecode } from "../../src/wire/pre-decode-scan.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { anyPayload, fileReference } from "./support/arbitraries.js";
import { fieldMutation, randomFrom, splitFields, variant, variantSeed } from "./support/wire-variants.js";
import { varint } from "../support/varint.js";

/** Field `number` (wire type 2) holding `content`, as bytes. */
function delimited(number: number, content: Uint8Array): number[] {
  return [(number << 3) | 2, ...varint(content.length), ...content];
}

/**
 * `bytes` followed by `extra` more pieces (a copy of its first, or empty), sometimes with unknown
 * fields (a varint, a group, a fixed32) between them, which the count must step over.
 */
function withExtraPieces(bytes: Uint8Array, extra: number, seed: number): Uint8Array {
  const rand = randomFrom(seed);
  let first: Uint8Array;
  try {
    first = splitFields(bytes).find((f) => f.number === 1 && f.wireType === 2)?.content ?? new Uint8Array(0);
  } catch {
    first = new Uint8Array(0);
  }
  const piece = delimited(1, rand.int(4) === 0 ? new Uint8Array(0) : first);
  const between = rand.int(2) === 0 ? [0x78, 0x01, 0x7b, 0x08, 0x01, 0x7c, 0x7d, 1, 2, 3, 4] : [];
  const out: number[] = [...bytes];
  for (let i = 0; i < extra; i++) {
    out.push(...piece);
    if (i % 100 === 0) out.push(...between);
  }
  return Uint8Array.from(out);
}

/** What protobufjs decodes `bytes` to with a reader of its own (no cap of ours), or undefined when it refuses them. */
function protobufjsDecode(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    return type.decode(bytes) as unknown as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe("the capped-list count", () => {
  test.prop([fileReference(3), fc.constantFrom(2, 3), fc.integer({ min: 0, max: MAX_PIECES + 40 }), variantSeed, fc.boolean()], { numRuns: 60 })(
    "finds a FileReference's pieces over the cap exactly when protobufjs would build more than the cap, with the count it builds, with or without counting unknown fields",
    (view, reader, extra, seed, mutate) => {
      const type = schemaFor(reader)!.type("FileReference")!;
      const rand = randomFrom(seed);
      const canonical = encodePayload("file-reference", view, 3);
      const varied = mutate ? fieldMutation("FileReference", variant("FileReference", canonical, rand), rand) : variant("FileReference", canonical, rand);
      const bytes = withExtraPieces(varied, extra, seed);
      const decoded = protobufjsDecode(type, bytes);
      fc.pre(decoded !== undefined);
      const built = (decoded!.pieces as unknown[]).length;
      for (const unknownCap of [undefined, Number.MAX_SAFE_INTEGER]) {
        const { overCap } = scanBeforeDecode(type, bytes, unknownCap);
        if (built > MAX_PIECES) expect(overCap).toMatchObject({ cap: { message: "FileReference", field: "pieces" }, count: built });
        else expect(overCap).toBeUndefined();
      }
    },
  );

  test.prop([fc.constantFrom(2, 3), fc.integer({ min: 0, max: MAX_FEATURES + 10 }), fc.integer({ min: 1, max: 3 }), variantSeed, fc.integer({ min: 0, max: 2 })], { numRuns: 200 })(
    "finds an envelope sender's features over the cap exactly when protobufjs would build more, over every occurrence of the sender, cut short or with a byte changed",
    (version, features, senders, seed, damage) => {
      const type = schemaFor(version)!.type("Envelope")!;
      const rand = randomFrom(seed);
      const perSender = Math.ceil(features / senders);
      const sender = { minVersion: 1, maxVersion: version, features: Array.from({ length: Math.min(perSender, MAX_FEATURES) }, (_, i) => `f${i}`) };
      const payload = encodePayload("segment", { entireMessageHash: new Uint8Array(32).fill(1), index: 0, segmentsCount: 1, payload: Uint8Array.of(1) }, version);
      const one = encodeEnvelope({ version, type: "segment", payload, sender, fallbackText: "" });
      // The same envelope with its sender sent `senders` times, which protobufjs merges into one.
      const senderField = delimited(5, splitFields(one).find((f) => f.number === 5)!.content);
      let bytes = variant("Envelope", one, rand);
      for (let i = 1; i < senders; i++) bytes = Uint8Array.from([...bytes, ...senderField]);
      if (damage === 1) bytes = bytes.subarray(0, rand.int(bytes.length + 1));
      if (damage === 2) bytes[rand.int(bytes.length)] = rand.int(256);
      // Counting unknown fields in the same walk changes nothing, even where a change broke the bytes.
      const alone = scanBeforeDecode(type, bytes);
      expect(scanBeforeDecode(type, bytes, Number.MAX_SAFE_INTEGER).overCap).toEqual(alone.overCap);
      const decoded = protobufjsDecode(type, bytes);
      if (decoded === undefined) return; // the decode refuses it whatever the count says
      const built = ((decoded.sender as { features: unknown[] } | null)?.features ?? []).length;
      if (built > MAX_FEATURES) expect(alone.overCap).toMatchObject({ cap: { message: "Capabilities", field: "features" }, count: built });
      else expect(alone.overCap).toBeUndefined();
    },
  );
});

describe("one walk for both counts", () => {
  it("stops counting a list where the message holding it is broken, reading for forwarding or not: the decode names the broken bytes", () => {
    const type = schemaFor(3)!.type("Envelope")!;
    const head = [0x08, 0x03, 0x18, 0x03, 0x22, 0x03, 0x1a, 0x01, 0x01];
    // A sender whose second field has wire type 7, then one with more features than the cap.
    const broken = [0x2a, 0x03, 0x08, 0x02, 0x17];
    const inner = [0x08, 0x02, 0x10, 0x03, ...Array.from({ length: MAX_FEATURES + 6 }, () => [0x1a, 0x01, 0x61]).flat()];
    const bytes = Uint8Array.from([...head, ...broken, 0x2a, ...varint(inner.length), ...inner]);
    expect(scanBeforeDecode(type, bytes).overCap).toBeUndefined();
    expect(scanBeforeDecode(type, bytes, Number.MAX_SAFE_INTEGER).overCap).toBeUndefined();
    let refused: unknown;
    try {
      openEnvelope(bytes, { min: 2, max: 3 });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("E_WIRE_MALFORMED");
    // Without the broken sender, the same features are refused as too many.
    const whole = Uint8Array.from([...head, 0x2a, ...varint(inner.length), ...inner]);
    expect(scanBeforeDecode(type, whole, Number.MAX_SAFE_INTEGER).overCap).toMatchObject({ count: MAX_FEATURES + 6 });
  });

  test.prop(
    [anyPayload(3), fc.constantFrom(1, 2, 3), variantSeed, fc.constantFrom(0, 1, MAX_PIECES, MAX_PIECES + 1, MAX_PIECES + 30), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 })],
    { numRuns: 200 },
  )(
    "finds the same list over its cap whether or not it counts unknown fields too, on any bytes: re-encoded, mutated, flooded, cut short or with a byte changed",
    ({ kind, view }, reader, seed, extra, damage, stopAt) => {
      fc.pre(kind !== "file-reference" && kind !== "cd-pointer" ? true : reader >= 2);
      const message = messageOf(kind);
      const type = schemaFor(reader)!.type(message)!;
      const rand = randomFrom(seed);
      let bytes = variant(message, encodePayload(kind, view, 3), rand);
      // Mutated before the flood: a field-level mutation walks the whole message tree.
      if (damage === 1) bytes = fieldMutation(message, bytes, rand);
      if (kind === "file-reference") bytes = withExtraPieces(bytes, extra, seed);
      if (damage === 2) bytes = bytes.subarray(0, rand.int(bytes.length + 1));
      if (damage === 3) {
        bytes = bytes.slice();
        bytes[rand.int(bytes.length)] = rand.int(256);
      }
      const alone = scanBeforeDecode(type, bytes);
      const both = scanBeforeDecode(type, bytes, Number.MAX_SAFE_INTEGER);
      expect(both.overCap).toEqual(alone.overCap);
      expect(alone.unknownFields, "unknown fields counted when not asked").toBe(0);
      // Stopped at a cap, the count ends one past it (enough to refuse), and the list count with it.
      const stopped = scanBeforeDecode(type, bytes, stopAt);
      expect(stopped.unknownFields).toBe(Math.min(both.unknownFields, stopAt + 1));
      if (both.unknownFields <= stopAt) expect(stopped.overCap).toEqual(alone.overCap);
    },
  );
});
