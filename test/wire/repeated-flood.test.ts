/**
 * A message whose capped list (a FileReference's pieces, an envelope sender's features) holds far
 * more entries than the cap: refused before protobufjs builds them. It built every one (75,000
 * pieces or features in 150 KiB) and only then counted, about 2,000 times the work of reading a
 * valid message, for every such message a peer sends.
 */
import protobuf from "protobufjs/light.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_FEATURES, MAX_PIECES, decodeForForwarding, decodePayload, openEnvelope } from "../../src/wire/index.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { varint } from "../support/varint.js";
import { refusal } from "./support/refusal.js";

/** `count` repetitions of `entry`, concatenated after `head`. */
function repeated(head: number[], entry: number[], count: number): Uint8Array {
  const bytes = new Uint8Array(head.length + entry.length * count);
  bytes.set(head);
  for (let at = head.length; at < bytes.length; at += entry.length) bytes.set(entry, at);
  return bytes;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a list far over its cap", () => {
  const PIECES = 75_000;

  it(`FileReference: ${PIECES} empty pieces are refused as too many without decoding more than the cap`, () => {
    const piece = schemaFor(3)!.type("Piece")!;
    // protobufjs replaces a type's decode with its generated one on first use: spy on that one.
    piece.decode(new Uint8Array(0));
    const decodes = vi.spyOn(piece, "decode");
    const flood = repeated([], [0x0a, 0x00], PIECES);
    for (const read of [() => decodePayload("file-reference", flood, 3), () => decodeForForwarding("file-reference", flood, { written: 3, reader: 3 })]) {
      const err = refusal(read);
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ message: "FileReference", field: "pieces", count: PIECES, max: MAX_PIECES });
    }
    expect(decodes.mock.calls.length, "pieces protobufjs built").toBeLessThanOrEqual(2 * MAX_PIECES);
  });

  it("an envelope's sender: 74,000 empty features are refused as too many without building them", () => {
    const features = 74_000;
    const inner = repeated([0x08, 0x02, 0x10, 0x03], [0x1a, 0x00], features);
    const bytes = Uint8Array.from([0x08, 0x03, 0x18, 0x03, 0x22, 0x03, 0x1a, 0x01, 0x01, 0x2a, ...varint(inner.length), ...inner]);
    const reads = vi.spyOn(protobuf.Reader.prototype, "bytes");
    const err = refusal(() => openEnvelope(bytes, { min: 2, max: 3 }));
    expect(err.code).toBe("E_WIRE_INVALID_FIELD");
    expect(err.details).toMatchObject({ message: "Capabilities", field: "features", count: features, max: MAX_FEATURES });
    expect(reads.mock.calls.length, "byte fields protobufjs built").toBeLessThanOrEqual(2 * MAX_FEATURES);
  });

  it("counts the entries of every occurrence of the sender, which protobufjs merges into one", () => {
    /** One sender occurrence with `n` one-letter features. */
    const sender = (n: number) => {
      const inner = repeated([0x08, 0x02, 0x10, 0x03], [0x1a, 0x01, 0x61], n);
      return [0x2a, ...varint(inner.length), ...inner];
    };
    const envelope = (...senders: number[][]) => Uint8Array.from([0x08, 0x03, 0x18, 0x03, 0x22, 0x03, 0x1a, 0x01, 0x01, ...senders.flat()]);
    expect(refusal(() => openEnvelope(envelope(sender(40), sender(40)), { min: 2, max: 3 })).details).toMatchObject({ field: "features", count: 80 });
    expect(openEnvelope(envelope(sender(30), sender(30)), { min: 2, max: 3 }).envelope.sender?.features).toHaveLength(60);
  });
});

describe("a group ahead of a list far over its cap", () => {
  it("does not hide the list from the count: protobufjs keeps the group as one field and reads every entry after it", () => {
    const piece = schemaFor(3)!.type("Piece")!;
    piece.decode(new Uint8Array(0));
    const decodes = vi.spyOn(piece, "decode");
    const flood = repeated([0x7b, 0x78, 0x00, 0x7c], [0x0a, 0x00], 75_000);
    const err = refusal(() => decodePayload("file-reference", flood, 3));
    expect(err.details).toMatchObject({ field: "pieces", count: 75_000 });
    expect(decodes.mock.calls.length, "pieces protobufjs built").toBeLessThanOrEqual(2 * MAX_PIECES);
  });
});
