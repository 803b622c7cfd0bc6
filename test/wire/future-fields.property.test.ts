/**
 * Fields no schema of this build has (what the release after next adds), at every depth and of every
 * wire type a peer can send: groups (wire types 3/4, nested), varints of 1 to 11 bytes (a 10-byte one
 * with high bits in its last byte), fixed32/64, delimited bytes that hold a message of their own, and
 * field numbers up to 2^29 - 1. The other properties insert unknown fields of the plain wire types
 * only (their single-pass comparison declines groups); these hold the forwarding path to the rule
 * that a node never strips what a newer peer added, and the read path to ignoring it.
 */
import { fc, test } from "@fast-check/vitest";
import protobuf from "protobufjs/light.js";
import { describe, expect } from "vitest";
import { decodeForForwarding, decodePayload, encodePayload, type PayloadKind } from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { countUnknownFields } from "../../src/wire/unknown-field-count.js";
import { adjacentProtocolPairs, tableProtocols } from "../support/release-pairs.js";
import { anyPayload } from "./support/arbitraries.js";
import { randomFrom, splitFields, variantSeed, type Rand } from "./support/wire-variants.js";
import { varint } from "../support/varint.js";

const RUNS = { numRuns: 120 };

const tag = (number: number, wireType: number): number[] => varint(number * 8 + wireType);

/** A field number no version has: above every known one, up to the largest protobuf allows. */
function futureNumber(rand: Rand): number {
  return rand.int(2) === 0 ? 100 + rand.int(1000) : 2 ** 29 - 1 - rand.int(16);
}

/** A varint value's bytes, 1 to 11 long, any bits set (protobufjs skips a varint of any length). */
function anyVarintBytes(rand: Rand): number[] {
  const length = 1 + rand.int(11);
  const out = Array.from({ length }, () => rand.int(256) | 0x80);
  out[length - 1] = rand.int(0x80);
  return out;
}

/** One unknown field of any wire type; a group or a delimited message holds more, `depth` levels down. */
function futureField(rand: Rand, depth: number): number[] {
  const number = futureNumber(rand);
  switch (rand.int(depth > 0 ? 6 : 4)) {
    case 0:
      return [...tag(number, 0), ...anyVarintBytes(rand)];
    case 1:
      return [...tag(number, 1), ...Array.from({ length: 8 }, () => rand.int(256))];
    case 2:
      return [...tag(number, 5), ...Array.from({ length: 4 }, () => rand.int(256))];
    case 3: {
      const body = Array.from({ length: rand.int(20) }, () => rand.int(256));
      return [...tag(number, 2), ...varint(body.length), ...body];
    }
    case 4: {
      // A group, whose fields (more groups among them) protobufjs keeps with it as one field.
      const inner = Array.from({ length: rand.int(3) }, () => futureField(rand, depth - 1)).flat();
      return [...tag(number, 3), ...inner, ...tag(number, 4)];
    }
    default: {
      // A message a newer schema nests here, with fields of its own.
      const body = Array.from({ length: 1 + rand.int(3) }, () => futureField(rand, depth - 1)).flat();
      return [...tag(number, 2), ...varint(body.length), ...body];
    }
  }
}

/**
 * `bytes` (a canonical encoding of `type`) with unknown fields appended to it and to every message
 * nested in it, where protobuf's rules put them back on re-encoding: after the known fields of their
 * message. Returns the new bytes and how many unknown fields were added (a group counts as one).
 */
function withFutureFields(type: protobuf.Type, bytes: Uint8Array, rand: Rand): { bytes: Uint8Array; added: number } {
  const out: number[] = [];
  let added = 0;
  for (const field of splitFields(bytes)) {
    const nested = type.fieldsById[field.number]?.resolvedType;
    if (field.wireType === 2 && nested instanceof protobuf.Type) {
      const inner = withFutureFields(nested, field.content, rand);
      added += inner.added;
      out.push(...tag(field.number, 2), ...varint(inner.bytes.length), ...inner.bytes);
    } else {
      out.push(...tag(field.number, field.wireType));
      if (field.wireType === 2) out.push(...varint(field.content.length));
      out.push(...field.content);
    }
  }
  const count = rand.int(4);
  for (let i = 0; i < count; i++) out.push(...futureField(rand, 3));
  return { bytes: Uint8Array.from(out), added: added + count };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Reads of `written` bytes: by its own version, and by each consecutive one (both ways). */
function readers(written: number): number[] {
  const out = [written];
  for (const { older, newer } of adjacentProtocolPairs()) {
    if (older === written) out.push(newer);
    if (newer === written) out.push(older);
  }
  return out;
}

for (const written of tableProtocols()) {
  for (const reader of readers(written)) {
    describe(`written with version ${written}, read by version ${reader}`, () => {
      const at = { written, reader };
      test.prop([anyPayload(written, reader), variantSeed], RUNS)(
        "fields no version has, at every depth and of every wire type, are forwarded untouched byte for byte, counted before decoding as kept, and ignored by a read",
        ({ kind, view }, seed) => {
          const plain = encodePayload(kind as PayloadKind, view, written);
          const type = schemaFor(written)!.type(messageOf(kind))!;
          const future = withFutureFields(type, plain, randomFrom(seed));

          const node = decodeForForwarding(kind, future.bytes, at);
          expect(hex(node.encode())).toBe(hex(future.bytes));
          expect(node.unknownFields).toBe(decodeForForwarding(kind, plain, at).unknownFields + future.added);
          // The count MAX_UNKNOWN_FIELDS is checked against, before decoding, is the one protobufjs keeps.
          expect(countUnknownFields(schemaFor(reader)!.type(messageOf(kind))!, future.bytes, Number.MAX_SAFE_INTEGER)).toBe(node.unknownFields);
          expect(node.message).toEqual(decodeForForwarding(kind, plain, at).message);
          expect(decodePayload(kind, future.bytes, at)).toEqual(decodePayload(kind, plain, at));
        },
      );
    });
  }
}
