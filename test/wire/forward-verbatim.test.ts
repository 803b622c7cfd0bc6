/**
 * A relay passes on what a newer peer wrote unchanged: Status signs community descriptions, and a
 * signature over the bytes breaks if a relay puts them in another order. Protobuf lets a writer
 * send a known field twice, fields out of number order, varints padded with continuation bytes
 * and unknown fields between known ones; a node that changed nothing must forward such bytes as
 * they came, byte for byte, at its own version and at the next (before, encode() re-encoded them
 * canonically: a description with an extra clock in front lost its first two bytes). A node that
 * changed something gets the message re-encoded as before: known fields in number order, then
 * the unknown fields of each message.
 */
import { test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  SCHEMA_VERSIONS,
  decodeForForwarding,
  encodeFileReference,
  encodePayload,
  encodeSignedCommunityDescription,
  introducedIn,
  type FileReference,
  type SignedCommunityDescription,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { varint } from "../support/varint.js";
import { anyPayload } from "./support/arbitraries.js";
import { sampleReference } from "./support/sample-reference.js";
import { randomFrom, splitFields, variant, variantSeed } from "./support/wire-variants.js";

/** A field as bytes: a varint's value (padded to `pad` bytes when asked), or delimited content. */
function field(number: number, value: number | Uint8Array | number[], pad = 0): number[] {
  if (typeof value === "number") {
    const v = varint(value);
    while (v.length < pad) {
      v[v.length - 1]! |= 0x80;
      v.push(0x80);
    }
    if (pad > 0) v[v.length - 1]! &= 0x7f;
    return [...varint(number * 8), ...v];
  }
  const content = [...value];
  return [...varint(number * 8 + 2), ...varint(content.length), ...content];
}

const bytesOf = (...fields: number[][]) => Uint8Array.from(fields.flat());

const communityId = new Uint8Array(33).fill(1);
communityId[0] = 2;
const description: SignedCommunityDescription = {
  communityId,
  clock: 1_790_000_000,
  description: new TextEncoder().encode('{"name":"Status","members":[]}'),
  signature: new Uint8Array(65).fill(9),
};

/** The description with an older clock in front of the real one (the last value wins). */
function descriptionWithExtraClock(): Uint8Array {
  return bytesOf(field(2, 1), [...encodeSignedCommunityDescription(description, 3)]);
}

/** The sample reference's fields and a piece's in another order: file name, mime first, pieces last; the piece's sha256 before its CID. */
function referenceOutOfOrder(): Uint8Array {
  const r = sampleReference;
  const p = r.pieces[0]!;
  const e = r.encryption;
  const piece = bytesOf(field(3, p.sha256), field(2, p.size), field(1, new TextEncoder().encode(p.cid)));
  const encryption = bytesOf(field(4, e.chunkSize), field(1, 1), field(3, e.noncePrefix), field(2, e.key));
  return bytesOf(
    field(5, new TextEncoder().encode(r.fileName)),
    field(4, new TextEncoder().encode(r.mime)),
    field(8, r.expiresAt!),
    field(7, r.uploadedAt!),
    field(6, r.plaintextSha256),
    field(3, r.plaintextSize),
    field(2, encryption),
    field(1, piece),
  );
}

/** Canonical order, with plaintextSize, chunkSize and a piece's size padded to ten-byte varints. */
function referencePadded(): Uint8Array {
  const r = sampleReference;
  const p = r.pieces[0]!;
  const e = r.encryption;
  const piece = bytesOf(field(1, new TextEncoder().encode(p.cid)), field(2, p.size, 10), field(3, p.sha256));
  const encryption = bytesOf(field(1, 1), field(2, e.key), field(3, e.noncePrefix), field(4, e.chunkSize, 10));
  return bytesOf(
    field(1, piece),
    field(2, encryption),
    field(3, r.plaintextSize, 10),
    field(4, new TextEncoder().encode(r.mime)),
    field(5, new TextEncoder().encode(r.fileName)),
    field(6, r.plaintextSha256),
    field(7, r.uploadedAt!),
    field(8, r.expiresAt!),
  );
}

/** A field 40 (a newer version's varint) between pieces and encryption, at the top level. */
const UNKNOWN = field(40, 7);
function referenceWithUnknownBetween(): Uint8Array {
  const canonical = encodeFileReference(sampleReference, 3);
  // The one piece comes first: its tag, its length, its content.
  const pieces = splitFields(canonical)[0]!;
  expect(pieces.number).toBe(1);
  const piecesLength = 1 + varint(pieces.content.length).length + pieces.content.length;
  return bytesOf([...canonical.subarray(0, piecesLength)], UNKNOWN, [...canonical.subarray(piecesLength)]);
}

const SHAPES = [
  { name: "a known field sent twice (an extra clock in front)", kind: "community-description", bytes: descriptionWithExtraClock },
  { name: "known fields out of field-number order, nested too", kind: "file-reference", bytes: referenceOutOfOrder },
  { name: "non-minimal varints", kind: "file-reference", bytes: referencePadded },
  { name: "an unknown field between known ones", kind: "file-reference", bytes: referenceWithUnknownBetween },
] as const;

describe("an unchanged message is forwarded as it came, byte for byte", () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: by a version 3 node, a version 2 node, and the one after the other`, () => {
      const input = shape.bytes();
      // Valid, and not what the encoder writes.
      const canonical = encodePayload(shape.kind, decodeForForwarding(shape.kind, input, 3).message, 3);
      expect([...canonical]).not.toEqual([...input]);
      const sent = input.slice();
      for (const reader of [3, 2]) {
        expect([...decodeForForwarding(shape.kind, input, { written: 3, reader }).encode()], `reader ${reader}`).toEqual([...sent]);
      }
      // N relays to N+1 (the bytes keep their writer's version), N+1 to N: each hop passes them on.
      const viaTwo = decodeForForwarding(shape.kind, input, { written: 3, reader: 2 }).encode();
      expect([...decodeForForwarding(shape.kind, viaTwo, 3).encode()]).toEqual([...sent]);
      const viaThree = decodeForForwarding(shape.kind, input, 3).encode();
      expect([...decodeForForwarding(shape.kind, viaThree, { written: 3, reader: 2 }).encode()]).toEqual([...sent]);
    });
  }

  it("gives a copy each time: the caller may wipe its receive buffer after encode(), and change what encode() gave", () => {
    const input = descriptionWithExtraClock();
    const sent = input.slice();
    const node = decodeForForwarding("community-description", input, 3);
    const first = node.encode();
    expect(first).not.toBe(input);
    first.fill(0);
    const second = node.encode();
    expect([...second]).toEqual([...sent]);
    input.fill(0);
    expect([...second]).toEqual([...sent]);
  });

  it("counts as unchanged a field changed and changed back, one set to an equal value, and an absent field set to undefined", () => {
    const input = referenceOutOfOrder();
    const node = decodeForForwarding("file-reference", input, { written: 3, reader: 2 });
    node.message.fileName = "other.mp4";
    node.message.fileName = sampleReference.fileName;
    node.message.plaintextSha256 = node.message.plaintextSha256.slice();
    node.message.encryption.key[0]! ^= 1;
    node.message.encryption.key[0]! ^= 1;
    // uploadedAt is a version 3 field this version 2 node does not have.
    node.message.uploadedAt = undefined;
    expect([...node.encode()]).toEqual([...input]);
  });
});

describe("a changed message is re-encoded, as before", () => {
  const renamed: FileReference = { ...sampleReference, fileName: "renamed.mp4" };

  it("a known field changed: canonical order, the unknown fields after the known ones", () => {
    const node = decodeForForwarding("file-reference", referenceWithUnknownBetween(), { written: 4, reader: 3 });
    node.message.fileName = "renamed.mp4";
    expect([...node.encode()]).toEqual([...encodeFileReference(renamed, 3), ...UNKNOWN]);
    for (const make of [referenceOutOfOrder, referencePadded]) {
      const other = decodeForForwarding("file-reference", make(), 3);
      other.message.fileName = "renamed.mp4";
      expect([...other.encode()]).toEqual([...encodeFileReference(renamed, 3)]);
    }
  });

  it("bytes changed in place (which changes the input too), a field deleted, a piece replaced by an equal copy", () => {
    const input = descriptionWithExtraClock();
    const flipped = decodeForForwarding("community-description", input, 3);
    flipped.message.signature[0]! ^= 1;
    const signature = new Uint8Array(65).fill(9);
    signature[0]! ^= 1;
    expect([...flipped.encode()]).toEqual([...encodeSignedCommunityDescription({ ...description, signature }, 3)]);

    const deleted = decodeForForwarding("file-reference", referencePadded(), 3);
    delete deleted.message.uploadedAt;
    expect([...deleted.encode()]).toEqual([...encodeFileReference({ ...sampleReference, uploadedAt: undefined }, 3)]);

    const copied = decodeForForwarding("file-reference", referenceOutOfOrder(), 3);
    copied.message.pieces[0] = { ...copied.message.pieces[0]! };
    expect([...copied.encode()]).toEqual([...encodeFileReference(sampleReference, 3)]);
  });

  it("a change that breaks a rule is still refused", () => {
    const node = decodeForForwarding("community-description", descriptionWithExtraClock(), 3);
    node.message.communityId[0] = 7;
    expect(() => node.encode()).toThrow(expect.objectContaining({ code: "E_WIRE_INVALID_FIELD" }));
  });
});

describe("every valid message, however encoded", () => {
  for (const version of SCHEMA_VERSIONS) {
    test.prop([anyPayload(version), variantSeed], { numRuns: 100 })(
      `a version ${version} message, re-encoded (reordered, repeated, padded, unknown fields inserted), is forwarded byte for byte by every node at most one version away`,
      ({ kind, view }, seed) => {
        const bytes = variant(messageOf(kind), encodePayload(kind, view, version), randomFrom(seed));
        for (const reader of SCHEMA_VERSIONS) {
          if (Math.abs(reader - version) > 1 || reader < introducedIn(kind)) continue;
          expect([...decodeForForwarding(kind, bytes, { written: version, reader }).encode()], `reader ${reader}`).toEqual([...bytes]);
        }
      },
    );
  }
});
