/**
 * Pins what the pre-decode scan (src/wire/pre-decode-scan.ts) answers on bytes that are not a
 * clean message: cut short, with more after them, a nested message ending in a fixed-width value
 * cut short, a field sent again and again, or no message at all. Its answers are held to a model
 * written here from protobufjs's reflection, step by step as the walk was when its skips were its
 * own (before it shared wire-scan.ts's), including where malformed bytes end each count: a varint,
 * a length or a group that runs past the end of the message it is in is malformed there; a
 * fixed-width value that does is not (the message's bound ends the walk, which reads on in the
 * parent, and the decode names the bytes). Since checkBeforeDecode decides only from the scan's
 * answer, the same answer for every cap means the same refusal and code; both are compared.
 */
import { fc, test } from "@fast-check/vitest";
import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import {
  MAX_FEATURES,
  MAX_PIECES,
  MAX_REPEATED_FIELDS,
  MAX_UNKNOWN_FIELDS,
  WireError,
  encodeEnvelope,
  encodePayload,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { checkBeforeDecode, scanBeforeDecode, type ScanResult } from "../../src/wire/pre-decode-scan.js";
import { schemaFor, type MessageName } from "../../src/wire/schema-registry.js";
import { anyPayload } from "./support/arbitraries.js";
import { fieldMutation, randomFrom, splitFields, variant, variantSeed, type Rand } from "./support/wire-variants.js";
import { varint } from "../support/varint.js";

/** The capped lists, as the scan names them. */
const MODEL_CAPS = [
  { message: "FileReference", field: "pieces", min: 1, max: MAX_PIECES },
  { message: "Capabilities", field: "features", min: 0, max: MAX_FEATURES },
] as const;

/** The wire types protobufjs reads `field` from: its own, and 2 for a packable repeated scalar. */
function readsFrom(field: protobuf.Field, wireType: number): boolean {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return wireType === 2;
  const own = resolved instanceof protobuf.Enum ? 0 : (protobuf.types.basic as Record<string, number | undefined>)[field.type];
  if (own === wireType) return true;
  return wireType === 2 && field.repeated && (resolved instanceof protobuf.Enum || field.type in protobuf.types.packed);
}

function capOf(type: protobuf.Type, field: protobuf.Field): number {
  return MODEL_CAPS.findIndex((c) => c.message === type.name && c.field === field.name && field.repeated);
}

/** Whether `type`, or a message it holds at any depth, has a capped list. */
function holdsCap(type: protobuf.Type, seen = new Set<protobuf.Type>()): boolean {
  seen.add(type);
  return type.fieldsArray.some((f) => {
    if (capOf(type, f) >= 0) return true;
    const nested = f.resolve().resolvedType;
    return nested instanceof protobuf.Type && !seen.has(nested) && holdsCap(nested, seen);
  });
}

/** The model's reading of one varint at `at.pos`, or -1 (and at.pos = end) past `end` or 10 bytes. */
function readVarint(bytes: Uint8Array, end: number, at: { pos: number }): number {
  let value = 0;
  for (let i = 0, mul = 1; i < 10 && at.pos < end; i++, mul *= 128) {
    const b = bytes[at.pos++] as number;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return value;
  }
  at.pos = end;
  return -1;
}

/** Past a group whose start tag for `number` was read; false when broken, cut short or deeper than 128. */
function passGroup(bytes: Uint8Array, end: number, at: { pos: number }, number: number): boolean {
  const open = [number];
  while (open.length > 0) {
    const tag = readVarint(bytes, end, at);
    if (tag < 0) return false;
    const wireType = tag % 8;
    if (wireType === 3) {
      if (open.length >= 128) return false;
      open.push(Math.floor(tag / 8));
      continue;
    }
    if (wireType === 4) {
      if (open.pop() !== Math.floor(tag / 8)) return false;
      continue;
    }
    const width = wireType === 1 ? 8 : wireType === 5 ? 4 : wireType === 2 ? readVarint(bytes, end, at) : wireType === 0 ? 0 : -1;
    if (width < 0) return false;
    if (wireType === 0) {
      while (at.pos < end && (bytes[at.pos] as number) >= 0x80) at.pos++;
      if (at.pos >= end) return false;
      at.pos++;
    } else {
      if (width > end - at.pos) return false;
      at.pos += width;
    }
  }
  return true;
}

/** The model: the scan as stated in its comments and in this file's header. */
function modelScan(type: protobuf.Type, bytes: Uint8Array, unknownCap?: number, repeatedCap?: number): ScanResult {
  const countUnknown = unknownCap !== undefined;
  const countRepeated = repeatedCap !== undefined;
  if (!countUnknown && !countRepeated && !holdsCap(type)) return { unknownFields: 0, repeatedFields: 0, overCap: undefined };
  const uCap = unknownCap ?? Infinity;
  const rCap = repeatedCap ?? Infinity;
  const at = { pos: 0 };
  let unknown = 0;
  let repeated = 0;
  let listsCounted = true;
  const counts = MODEL_CAPS.map(() => 0);
  const order: number[] = [];

  const message = (t: protobuf.Type, end: number): boolean => {
    const had = new Set<number>();
    while (at.pos < end) {
      if (unknown > uCap || repeated > rCap) return true;
      const tag = readVarint(bytes, end, at);
      if (tag < 0) return false;
      const number = Math.floor(tag / 8);
      const wireType = tag % 8;
      const field = t.fieldsById[number];
      if (field === undefined || !readsFrom(field, wireType)) {
        if (countUnknown) unknown++;
      } else if (countRepeated && !field.repeated && field.map !== true) {
        if (had.has(number)) repeated++;
        had.add(number);
      }
      if (wireType === 0) {
        while (at.pos < end && (bytes[at.pos] as number) >= 0x80) at.pos++;
        if (at.pos >= end) return false;
        at.pos++;
      } else if (wireType === 1 || wireType === 5) {
        at.pos += wireType === 1 ? 8 : 4; // not held to `end`: the loop's bound is
      } else if (wireType === 3) {
        if (!passGroup(bytes, end, at, number)) return false;
      } else if (wireType === 2) {
        const length = readVarint(bytes, end, at);
        if (length < 0 || length > end - at.pos) return false;
        const fieldEnd = at.pos + length;
        if (field !== undefined) {
          const cap = capOf(t, field);
          if (cap >= 0 && listsCounted) {
            if (counts[cap] === 0) order.push(cap);
            counts[cap]!++;
          }
          const nested = field.resolve().resolvedType;
          if (nested instanceof protobuf.Type) {
            const nestedCaps = holdsCap(nested);
            if ((countUnknown || countRepeated || nestedCaps) && !message(nested, fieldEnd) && nestedCaps) {
              listsCounted = false;
              if (!countUnknown && !countRepeated) return false;
            }
          }
        }
        at.pos = fieldEnd;
      } else {
        return false;
      }
    }
    return true;
  };
  message(type, bytes.length);
  const over = order.find((i) => counts[i]! > MODEL_CAPS[i]!.max);
  return { unknownFields: unknown, repeatedFields: repeated, overCap: over === undefined ? undefined : { cap: MODEL_CAPS[over]!, count: counts[over]! } };
}

/** checkBeforeDecode's verdict from a scan's answer: accepted, or the code it refuses with. */
function modelCode(type: protobuf.Type, bytes: Uint8Array, maxUnknown: number | undefined): string {
  const repeatedCap = maxUnknown === undefined ? MAX_REPEATED_FIELDS : Math.min(maxUnknown, MAX_REPEATED_FIELDS);
  const { unknownFields, repeatedFields, overCap } = modelScan(type, bytes, maxUnknown, repeatedCap);
  if (maxUnknown !== undefined && unknownFields > maxUnknown) return "E_WIRE_TOO_LARGE";
  if (repeatedFields > repeatedCap || (maxUnknown !== undefined && unknownFields + repeatedFields > maxUnknown)) return "E_WIRE_TOO_LARGE";
  return overCap === undefined ? "accepted" : "E_WIRE_INVALID_FIELD";
}

function scanCode(type: protobuf.Type, bytes: Uint8Array, maxUnknown: number | undefined): string {
  try {
    checkBeforeDecode(type, bytes, type.name, maxUnknown);
    return "accepted";
  } catch (err) {
    if (err instanceof WireError) return err.code;
    throw err;
  }
}

function delimited(number: number, content: Uint8Array | readonly number[]): number[] {
  return [(number << 3) | 2, ...varint(content.length), ...content];
}

/** A valid message of `message` (an envelope or a payload kind) written at version 3, varied. */
function validBytes(message: MessageName | "Envelope", payload: { kind: Parameters<typeof encodePayload>[0]; view: Parameters<typeof encodePayload>[1] }, features: number, rand: Rand): Uint8Array {
  const bytes = encodePayload(payload.kind, payload.view, 3);
  if (message !== "Envelope") return variant(message, bytes, rand);
  const sender = { minVersion: 1, maxVersion: 3, features: Array.from({ length: features }, (_, i) => `f${i}`) };
  return variant("Envelope", encodeEnvelope({ version: 3, type: payload.kind, payload: bytes, sender, fallbackText: "" }), rand);
}

/** The top-level fields again, one of them sent `times` more times (a list flooded past its cap, a singular field repeated). */
function flooded(bytes: Uint8Array, times: number, rand: Rand): Uint8Array {
  let fields;
  try {
    fields = splitFields(bytes).filter((f) => f.wireType === 2);
  } catch {
    return bytes; // not split by the helper (a padded varint past its reading): left as it is
  }
  if (fields.length === 0) return bytes;
  const field = fields[rand.int(fields.length)]!;
  const copy = delimited(field.number, field.content);
  return Uint8Array.from([...bytes, ...Array.from({ length: times }, () => copy).flat()]);
}

/** One top-level delimited field's content ending in a fixed32 or fixed64 cut short (its length grown to hold it). */
function nestedFixedCutShort(bytes: Uint8Array, rand: Rand): Uint8Array {
  let fields;
  try {
    fields = splitFields(bytes);
  } catch {
    return bytes;
  }
  const delimitedAt = fields.flatMap((f, i) => (f.wireType === 2 ? [i] : []));
  if (delimitedAt.length === 0) return bytes;
  const which = delimitedAt[rand.int(delimitedAt.length)]!;
  const wireType = rand.int(2) === 0 ? 1 : 5;
  const tail = [((1 + rand.int(40)) << 3) | wireType, ...Array.from({ length: rand.int(wireType === 1 ? 8 : 4) }, () => rand.int(256))];
  return Uint8Array.from(
    fields.flatMap((f, i) => {
      if (i === which) return delimited(f.number, [...f.content, ...tail]);
      if (f.wireType === 2) return delimited(f.number, f.content);
      const tag = varint(f.number * 8 + f.wireType);
      return [...tag, ...f.content];
    }),
  );
}

type Damage = "none" | "mutated" | "cut" | "longer" | "claimed-longer" | "random" | "nested-fixed-cut" | "flood";
const DAMAGES: readonly Damage[] = ["none", "mutated", "cut", "longer", "claimed-longer", "random", "nested-fixed-cut", "flood"];

function damaged(message: MessageName | "Envelope", bytes: Uint8Array, damage: Damage, rand: Rand, floodTimes: number): Uint8Array {
  switch (damage) {
    case "none":
      return bytes;
    case "mutated":
      return fieldMutation(message as MessageName, bytes, rand);
    case "cut":
      return bytes.subarray(0, rand.int(bytes.length + 1));
    case "longer":
      return Uint8Array.from([...bytes, ...Array.from({ length: 1 + rand.int(12) }, () => rand.int(256))]);
    case "claimed-longer":
      // A last field whose length claims more bytes than there are.
      return Uint8Array.from([...bytes, (((1 + rand.int(30)) << 3) | 2), ...varint(5 + rand.int(1000)), 1, 2, 3]);
    case "random":
      return Uint8Array.from({ length: rand.int(80) }, () => rand.int(256));
    case "nested-fixed-cut":
      // Then more of the same field after it: lists counted past the cut value.
      return flooded(nestedFixedCutShort(bytes, rand), floodTimes, rand);
    case "flood":
      return flooded(bytes, floodTimes, rand);
  }
}

const CAPS_TRIED: readonly (readonly [number | undefined, number | undefined])[] = [
  [undefined, undefined],
  [undefined, MAX_REPEATED_FIELDS],
  [MAX_UNKNOWN_FIELDS, MAX_REPEATED_FIELDS],
  [0, 0],
  [1, 2],
  [3, undefined],
  [Number.MAX_SAFE_INTEGER, undefined],
];

describe("the pre-decode scan, pinned to its model", () => {
  test.prop(
    [
      anyPayload(3),
      fc.boolean(),
      fc.constantFrom(1, 2, 3),
      fc.constantFrom(...DAMAGES),
      variantSeed,
      fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(MAX_FEATURES, MAX_FEATURES + 1, MAX_PIECES, MAX_PIECES + 1)),
      fc.integer({ min: 0, max: MAX_FEATURES }),
    ],
    { numRuns: 400 },
  )(
    "counts the same unknown fields, repeated fields and list over its cap, and checkBeforeDecode accepts or refuses with the same code, on every message kind cut short, longer, flooded, with a nested fixed-width value cut short, or random",
    (payload, inEnvelope, reader, damage, seed, floodTimes, features) => {
      const message = inEnvelope ? "Envelope" : messageOf(payload.kind);
      const type = schemaFor(reader)?.type(message as MessageName);
      fc.pre(type !== undefined);
      const rand = randomFrom(seed);
      const bytes = damaged(message, validBytes(message, payload, features, rand), damage, rand, floodTimes);
      for (const [unknownCap, repeatedCap] of CAPS_TRIED) {
        expect(scanBeforeDecode(type!, bytes, unknownCap, repeatedCap), `caps ${unknownCap}/${repeatedCap}`).toEqual(modelScan(type!, bytes, unknownCap, repeatedCap));
      }
      for (const maxUnknown of [undefined, 0, 2, MAX_UNKNOWN_FIELDS]) {
        expect(scanCode(type!, bytes, maxUnknown), `maxUnknown ${maxUnknown}`).toBe(modelCode(type!, bytes, maxUnknown));
      }
    },
  );

  it("still counts the features of later senders when an earlier sender ends in a fixed64 cut short, so too many of them is E_WIRE_INVALID_FIELD", () => {
    const type = schemaFor(3)!.type("Envelope")!;
    const head = [0x08, 0x03, 0x18, 0x03, 0x22, 0x03, 0x1a, 0x01, 0x01];
    // A sender whose last field is a fixed64 (field 9) with 3 of its 8 bytes, then one with more features than the cap.
    const cut = delimited(5, [0x08, 0x02, 0x49, 1, 2, 3]);
    const inner = [0x08, 0x02, 0x10, 0x03, ...Array.from({ length: MAX_FEATURES + 6 }, () => [0x1a, 0x01, 0x61]).flat()];
    const bytes = Uint8Array.from([...head, ...cut, ...delimited(5, inner)]);
    for (const unknownCap of [undefined, Number.MAX_SAFE_INTEGER]) {
      expect(scanBeforeDecode(type, bytes, unknownCap).overCap).toMatchObject({ count: MAX_FEATURES + 6 });
    }
    expect(scanCode(type, bytes, undefined)).toBe("E_WIRE_INVALID_FIELD");
    expect(scanCode(type, bytes, MAX_UNKNOWN_FIELDS)).toBe("E_WIRE_INVALID_FIELD");
  });
});
