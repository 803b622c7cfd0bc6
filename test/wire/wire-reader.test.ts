/**
 * The single pass's wire primitives against protobufjs 8's Reader, which the reflection path uses:
 * on any bytes, a primitive either reads exactly what protobufjs reads (same value, same position)
 * or fails, and it fails whenever protobufjs throws. (Failing where protobufjs succeeds is allowed:
 * the reflection path then decides; the message-level tests show it never happens on real messages.)
 */
import { fc, test } from "@fast-check/vitest";
import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import { WireReader } from "../../src/wire/single-pass/wire-reader.js";
import { safeUint64 } from "../../src/wire/uint64.js";
import { varint } from "../support/varint.js";

const RUNS = { numRuns: 3000 };

/** Bytes that look like varints often: runs of continuation bytes, short and long, ending or not. */
const varintish = fc.oneof(
  fc.uint8Array({ maxLength: 14 }),
  fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0x7f })), { maxLength: 14 }).map((a) => Uint8Array.from(a)),
  fc
    .tuple(fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 12 }), fc.integer({ min: 0, max: 0xff }), fc.uint8Array({ maxLength: 4 }))
    .map(([run, last, rest]) => Uint8Array.from([...run, last, ...rest])),
);

type Outcome = { ok: true; value: unknown; pos: number } | { ok: false };

function theirs(bytes: Uint8Array, read: (r: protobuf.Reader) => unknown): Outcome {
  const r = new protobuf.Reader(bytes);
  try {
    const value = read(r);
    return { ok: true, value, pos: r.pos };
  } catch {
    return { ok: false };
  }
}

function ours(bytes: Uint8Array, read: (r: WireReader) => unknown): Outcome {
  const r = new WireReader(bytes);
  const value = read(r);
  return r.failed ? { ok: false } : { ok: true, value, pos: r.pos };
}

/** Ours fails whenever theirs throws; when ours reads, theirs reads the same. `exact`: ours must also read whenever theirs does. */
function expectSame(mine: Outcome, reference: Outcome, exact: boolean): void {
  if (!reference.ok) expect(mine).toEqual({ ok: false });
  else if (mine.ok || exact) expect(mine).toEqual(reference);
}

describe("WireReader primitives agree with protobufjs 8's Reader", () => {
  test.prop([varintish], RUNS)("a tag: same value and position, or both refuse", (bytes) => {
    expectSame(
      ours(bytes, (r) => r.tag(bytes.length)),
      theirs(bytes, (r) => r.tag()),
      true,
    );
  });

  test.prop([varintish], RUNS)("a uint32 varint: same value and position, or both refuse", (bytes) => {
    expectSame(
      ours(bytes, (r) => r.uint32(bytes.length)),
      theirs(bytes, (r) => r.uint32()),
      true,
    );
  });

  test.prop([varintish], RUNS)("a uint64 varint: the same number (or -1 above 2^53) and position, or both refuse", (bytes) => {
    expectSame(
      ours(bytes, (r) => r.uint64(bytes.length)),
      theirs(bytes, (r) => safeUint64(r.uint64())),
      true,
    );
  });

  test.prop([varintish], RUNS)("a bytes field: the same bytes and position, or both refuse", (bytes) => {
    const mine = ours(bytes, (r) => Array.from(r.bytes(bytes.length)));
    expectSame(mine, theirs(bytes, (r) => Array.from(r.bytes())), true);
  });

  const utf8ish = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }).map((s) => new TextEncoder().encode(s)),
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }).chain((s) => {
      const b = new TextEncoder().encode(s);
      return fc.tuple(fc.nat(b.length), fc.integer({ min: 0x80, max: 0xff })).map(([at, v]) => {
        const out = b.slice();
        if (out.length > 0) out[Math.min(at, out.length - 1)] = v;
        return out;
      });
    }),
  );

  test.prop([utf8ish], RUNS)("a verified string: the same text and position, or both refuse invalid UTF-8", (content) => {
    const bytes = Uint8Array.from([...varint(content.length), ...content]);
    expectSame(
      ours(bytes, (r) => r.string(bytes.length)),
      theirs(bytes, (r) => (r as unknown as { stringVerify(): string }).stringVerify()),
      true,
    );
  });

  test.prop([varintish], RUNS)("skipping a field: the same position, and a refusal whenever protobufjs refuses", (bytes) => {
    const skipped = (r: protobuf.Reader) => {
      const tag = r.tag();
      r.skipType(tag & 7, 0, tag >>> 3);
      return tag;
    };
    // Groups are left to protobufjs on purpose, so only "ours reads => the same" and "theirs refuses => ours refuses".
    expectSame(
      ours(bytes, (r) => {
        const tag = r.tag(bytes.length);
        r.skip(tag, bytes.length);
        return tag;
      }),
      theirs(bytes, skipped),
      false,
    );
  });

  it("reads nothing past the end it is given, even when the buffer goes on", () => {
    const bytes = Uint8Array.from([0x96, 0x01, 0x05]);
    const r = new WireReader(bytes);
    r.uint32(1);
    expect(r.failed).toBe(true);
    const s = new WireReader(Uint8Array.from([0x03, 0x61, 0x62, 0x63]));
    s.bytes(3);
    expect(s.failed).toBe(true);
  });

  it("after failing, ends every loop: the position is at the end of the input", () => {
    const r = new WireReader(Uint8Array.from([0x0a, 0x7f, 0x01]));
    r.tag(3);
    const end = r.delimitedEnd(3);
    expect(r.failed).toBe(true);
    expect(r.pos).toBe(3);
    expect(end).toBe(3);
  });
});
