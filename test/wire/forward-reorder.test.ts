/**
 * A forwarding node that drops or reorders the elements of a repeated message field (a file
 * reference's pieces) must send each element's unknown fields with that element, as protobuf keeps
 * an unknown field inside its own message: never attached to whichever element now sits at its old
 * position. Before, encode() grafted them by index, so a newer writer's per-piece field (or a
 * version 3 piece's index and offset, relayed by a version 2 node) ended up on another piece.
 */
import { describe, expect, it } from "vitest";
import { WireError, decodeForForwarding, decodePayload, encodeFileReference, type FileReference, type Piece } from "../../src/wire/index.js";
import { decodeRaw, type PbObject } from "../../src/wire/raw-codec.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { encodeUnchecked, pbOf } from "./support/views.js";

const CIDS = ["zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7", "zdj7WhuEjrB52m1BisYCtmjH1hSKa7yZ3jEZ9JcXaFRD51wVz", "zdj7WmqAbpsfXgiRBtZP1oAP9QWuuY3mqbc5JiNBegXrBLzeB"];

const original: FileReference = {
  pieces: CIDS.map((cid, i) => ({ cid, size: 1000 * (i + 1), sha256: new Uint8Array(32).fill(i + 1) })),
  encryption: { scheme: "aes-256-gcm-stream", key: new Uint8Array(32).fill(7), noncePrefix: new Uint8Array(7).fill(8), chunkSize: 65_536 },
  plaintextSize: 5_900,
  mime: "application/pdf",
  fileName: "report.pdf",
  plaintextSha256: new Uint8Array(32).fill(9),
  uploadedAt: 1_790_000_000,
  expiresAt: 1_792_592_000,
};

/** Version 3 bytes plus, in each piece, a field 15 a version 4 writer added: the piece's own mark (100 + its position). */
function writtenByVersion4(): Uint8Array {
  const pb = pbOf("file-reference", original, 3);
  (pb.pieces as PbObject[]).forEach((piece, i) => {
    Object.defineProperty(piece, "$unknowns", { value: [new Uint8Array([0x78, 100 + i])], enumerable: false });
  });
  return encodeUnchecked("FileReference", pb, 3);
}

/** Each piece of `bytes` (read with version 3's schema, unknown fields kept): its CID and the unknown fields it carries. */
function piecesOf(bytes: Uint8Array): Array<{ cid: string; unknown: number[][]; index: unknown; offset: unknown }> {
  const raw = decodeRaw(schemaFor(3)!.type("FileReference")!, bytes, "FileReference");
  return (raw.pieces as PbObject[]).map((p) => ({
    cid: new TextDecoder().decode(p.cid as Uint8Array),
    unknown: (p.$unknowns ?? []).map((u) => [...u]),
    index: p.index,
    offset: Number(p.offset),
  }));
}

const mark = (cid: string): number[][] => [[0x78, 100 + CIDS.indexOf(cid)]];

/** A version 3 node knows index and offset: after moving pieces it lets the encoder number them by position again. */
function renumber(pieces: Piece[]): void {
  for (const p of pieces) {
    delete p.index;
    delete p.offset;
  }
}

describe("a forwarding node that drops or reorders pieces", () => {
  it("sends each piece's unknown fields with that piece when it reverses them", () => {
    const node = decodeForForwarding("file-reference", writtenByVersion4(), { written: 4, reader: 3 });
    expect(node.unknownFields).toBe(3);
    renumber(node.message.pieces.reverse());
    const out = piecesOf(node.encode());
    expect(out.map((p) => p.cid)).toEqual([...CIDS].reverse());
    for (const p of out) expect(p.unknown, p.cid).toEqual(mark(p.cid));
  });

  it("sends the kept pieces' unknown fields with them when it drops the first, and the dropped piece's nowhere", () => {
    const node = decodeForForwarding("file-reference", writtenByVersion4(), { written: 4, reader: 3 });
    node.message.pieces.shift();
    renumber(node.message.pieces);
    const out = piecesOf(node.encode());
    expect(out.map((p) => [p.cid, p.unknown])).toEqual(CIDS.slice(1).map((cid) => [cid, mark(cid)]));
  });

  it("gives a piece it did not decode (a new one, or a copy) no other piece's unknown fields", () => {
    const node = decodeForForwarding("file-reference", writtenByVersion4(), { written: 4, reader: 3 });
    const [first, second] = node.message.pieces as [Piece, Piece, Piece];
    node.message.pieces = [{ ...second }, first];
    renumber(node.message.pieces);
    const out = piecesOf(node.encode());
    expect(out.map((p) => [p.cid, p.unknown])).toEqual([
      [CIDS[1], []],
      [CIDS[0], mark(CIDS[0]!)],
    ]);
  });

  it("keeps a version 3 piece's index and offset on that piece when a version 2 node reorders them, so a version 3 reader refuses the list rather than read other pieces' positions", () => {
    const written = encodeFileReference(original, 3);
    const node = decodeForForwarding("file-reference", written, { written: 3, reader: 2 });
    node.message.pieces.reverse();
    const forwarded = node.encode();
    const out = piecesOf(forwarded);
    expect(out.map((p) => [p.cid, p.index, p.offset])).toEqual([
      [CIDS[2], 2, 3000],
      [CIDS[1], 1, 1000],
      [CIDS[0], undefined, 0], // proto3: index 0 is not written
    ].map(([cid, index, offset]) => [cid, index ?? 0, offset]));
    let error: unknown;
    try {
      decodePayload("file-reference", forwarded, 3);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).code).toBe("E_WIRE_INVALID_FIELD");
    expect((error as WireError).details.field).toBe("pieces[0].index");
  });

  it("still sends an untouched message byte for byte", () => {
    const bytes = writtenByVersion4();
    expect(Buffer.from(decodeForForwarding("file-reference", bytes, { written: 4, reader: 3 }).encode()).equals(Buffer.from(bytes))).toBe(true);
  });
});
