/**
 * withoutField takes one top-level field out of a message's bytes, every other byte where it was
 * (what a signature over "the message without its signature field" is computed on), and names
 * what it cannot do; encodeWholeEnvelope / openWholeEnvelope carry a description above one Waku
 * message, for segmenting.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  MAX_WAKU_ENVELOPE_BYTES,
  MAX_WHOLE_ENVELOPE_BYTES,
  WireError,
  encodeEnvelope,
  encodeSignedCommunityDescription,
  encodeWholeEnvelope,
  openEnvelope,
  openWholeEnvelope,
  withoutField,
} from "../../src/wire/index.js";
import { varint } from "../support/varint.js";

/** Field numbers other than 4 (the one taken out below). */
const numberArb = fc.integer({ min: 1, max: 40 }).filter((n) => n !== 4);

/** One top-level field of any wire type, as bytes. */
const fieldArb = fc.oneof(
  fc.record({ number: numberArb, value: fc.uint8Array({ maxLength: 20 }) }).map(({ number, value }) => [
    ...varint(number * 8 + 2),
    ...varint(value.length),
    ...value,
  ]),
  fc.record({ number: numberArb, value: fc.maxSafeNat() }).map(({ number, value }) => [...varint(number * 8), ...varint(value)]),
  fc.record({ number: numberArb, wide: fc.boolean() }).map(({ number, wide }) => [
    ...varint(number * 8 + (wide ? 1 : 5)),
    ...new Array<number>(wide ? 8 : 4).fill(7),
  ]),
);

const sig = (value: number[]): number[] => [...varint(4 * 8 + 2), ...varint(value.length), ...value];

describe("withoutField", () => {
  test.prop([fc.array(fieldArb, { maxLength: 8 }), fc.array(fieldArb, { maxLength: 8 }), fc.uint8Array({ minLength: 1, maxLength: 70 })])(
    "the bytes before and after the one field, in place, and its value; wherever it sits",
    (before, after, value) => {
      const head = before.flat();
      const tail = after.flat();
      const bytes = Uint8Array.from([...head, ...sig([...value]), ...tail]);
      const split = withoutField(bytes, 4);
      expect(split.ok).toBe(true);
      if (!split.ok) return;
      expect([...split.without]).toEqual([...head, ...tail]);
      expect([...split.value]).toEqual([...value]);
      expect([...bytes.subarray(split.valueOffset, split.valueOffset + value.length)]).toEqual([...value]);
    },
  );

  it("names an absent, repeated or wrongly typed field and malformed bytes", () => {
    const fault = (bytes: number[]): string | undefined => {
      const split = withoutField(Uint8Array.from(bytes), 4);
      return split.ok ? undefined : split.fault;
    };
    expect(fault([0x08, 0x01])).toBe("absent");
    expect(fault([...sig([1]), 0x08, 0x01, ...sig([2])])).toBe("repeated");
    expect(fault([0x20, 0x01])).toBe("wrong-wire-type");
    expect(fault([0x12, 0x05, 0x01])).toBe("malformed"); // a length past the end
    expect(fault([0x07])).toBe("malformed"); // field 0
    expect(fault([0x0e])).toBe("malformed"); // wire type 6
    expect(fault([0x80])).toBe("malformed"); // a tag that never ends
    expect(fault([0x0b, 0x10, 0x01])).toBe("malformed"); // a group never closed
  });

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 20 })])("any bytes give a split or a fault, never a throw", (bytes, field) => {
    const split = withoutField(bytes, field);
    if (split.ok) expect(split.without.length + split.value.length).toBeLessThan(bytes.length + 1);
  });
});

describe("whole envelopes", () => {
  const description = (n: number): Uint8Array =>
    encodeSignedCommunityDescription(
      { communityId: Uint8Array.from([2, ...new Array<number>(32).fill(1)]), clock: 1, description: new Uint8Array(n).fill(5), signature: new Uint8Array(65) },
      2,
    );

  it("carry a description above one Waku message that encodeEnvelope and openEnvelope refuse", () => {
    const payload = description(400_000);
    const draft = { version: 2, type: "community-description" as const, payload, fallbackText: "" };
    expect(() => encodeEnvelope(draft)).toThrow(WireError);
    const whole = encodeWholeEnvelope(draft);
    expect(whole.length).toBeGreaterThan(MAX_WAKU_ENVELOPE_BYTES);
    expect(() => openEnvelope(whole, { min: 1, max: 2 })).toThrow(WireError);
    const opened = openWholeEnvelope(whole, { min: 2, max: 3 });
    expect(opened.payload.kind).toBe("community-description");
    expect(opened.envelope.payload.length).toBe(payload.length);
    let error: unknown;
    try {
      openWholeEnvelope(whole, { min: 2, max: 3 }, { maxBytes: 1000 });
    } catch (err) {
      error = err;
    }
    expect((error as WireError).code).toBe("E_WIRE_TOO_LARGE");
    expect(MAX_WHOLE_ENVELOPE_BYTES).toBeGreaterThan(16 * 1024 * 1024);
  });

  it("carry a community description only", () => {
    let error: unknown;
    try {
      encodeWholeEnvelope({ version: 2, type: "segment", payload: new Uint8Array(10), fallbackText: "" });
    } catch (err) {
      error = err;
    }
    expect((error as WireError).code).toBe("E_WIRE_UNKNOWN_TYPE");
  });
});
