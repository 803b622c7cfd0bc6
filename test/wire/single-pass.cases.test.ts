/**
 * Inputs where the single pass and the reflection path could part ways, each checked both ways
 * (decoder-equivalence.ts): rules that random mutation rarely reaches (sums, equal clocks, counts
 * one past the cap), encodings protobufjs reads in its own way (repeated message fields merged,
 * groups skipped), and text edge cases. For each, the public function gives the reflection path's
 * answer, and the single pass either reads exactly that or leaves the input to it.
 */
import { describe, expect, it } from "vitest";
import { buildFixtures, fromFixtureJson } from "../../scripts/make-fixtures.js";
import {
  MAX_FEATURES,
  MAX_PIECES,
  WireError,
  encodeEnvelope,
  openEnvelope,
  type FileReference,
  type PayloadKind,
  type PayloadViews,
} from "../../src/wire/index.js";
import { agreeOnEnvelope, agreeOnPayload, singlePassEnvelope, singlePassPayload } from "./support/decoder-equivalence.js";
import { ascii, brokenBytes, encodeUnchecked, pbOf } from "./support/views.js";

const FILES = buildFixtures();
function view<K extends PayloadKind>(kind: K, version: number): PayloadViews[K] {
  const json = JSON.parse(String(FILES.get(`fixtures/v${version}/${kind}.json`))) as { view: unknown };
  return fromFixtureJson(json.view) as PayloadViews[K];
}
const bin = (name: string, version: number) => new Uint8Array(FILES.get(`fixtures/v${version}/${name}.bin`)!);
const cat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** The error both paths give (they must agree), or undefined when they read a view. */
function payloadError(kind: PayloadKind, bytes: Uint8Array, version: number, reader = version): WireError | undefined {
  try {
    agreeOnPayload(kind, bytes, version, reader);
    return undefined;
  } catch (err) {
    if (err instanceof WireError) return err;
    throw err;
  }
}

function envelopeError(bytes: Uint8Array, window = { min: 2, max: 3 }): WireError | undefined {
  try {
    agreeOnEnvelope(bytes, window);
    return undefined;
  } catch (err) {
    if (err instanceof WireError) return err;
    throw err;
  }
}

describe("rules random mutation rarely reaches, both paths alike", () => {
  it("piece sizes adding up past 2^53", () => {
    const bytes = brokenBytes("file-reference", view("file-reference", 2), 2, (pb) => (pb.pieces[1].size = Number.MAX_SAFE_INTEGER));
    expect(payloadError("file-reference", bytes, 2)?.details.field).toBe("pieces");
    expect(singlePassPayload("file-reference", bytes, 2, 2)).toBeUndefined();
  });

  it("a piece offset that is the sum of earlier sizes plus one, and an index one past its position", () => {
    const v = view("file-reference", 3);
    const offset = brokenBytes("file-reference", v, 3, (pb) => (pb.pieces[1].offset = pb.pieces[0].size + 1));
    expect(payloadError("file-reference", offset, 3)?.details.field).toBe("pieces[1].offset");
    const index = brokenBytes("file-reference", v, 3, (pb) => (pb.pieces[1].index = 2));
    expect(payloadError("file-reference", index, 3)?.details.field).toBe("pieces[1].index");
    // A version 2 reader skips both as unknown fields, and a version 3 reader of version 2 bytes reads but does not check them.
    expect(payloadError("file-reference", index, 3, 2)).toBeUndefined();
    expect(payloadError("file-reference", index, 2, 3)).toBeUndefined();
    expect(singlePassPayload("file-reference", index, 2, 3)).toBeDefined();
  });

  it("one piece past the cap, and exactly the cap", () => {
    const v = view("file-reference", 2);
    const pieces = (n: number) => brokenBytes("file-reference", v, 2, (pb) => (pb.pieces = Array.from({ length: n }, () => pb.pieces[0])));
    expect(payloadError("file-reference", pieces(MAX_PIECES + 1), 2)?.details.field).toBe("pieces");
    expect(payloadError("file-reference", pieces(MAX_PIECES), 2)).toBeUndefined();
    expect(singlePassPayload("file-reference", pieces(MAX_PIECES), 2, 2)).toBeDefined();
  });

  it("a pointer superseding its own clock, and one clock below", () => {
    const v = view("cd-pointer", 3);
    const same = brokenBytes("cd-pointer", v, 3, (pb) => (pb.supersedesClock = pb.clock));
    expect(payloadError("cd-pointer", same, 3)?.details.field).toBe("supersedesClock");
    const below = brokenBytes("cd-pointer", v, 3, (pb) => (pb.supersedesClock = pb.clock - 1));
    expect(payloadError("cd-pointer", below, 3)).toBeUndefined();
    expect(singlePassPayload("cd-pointer", below, 3, 3)).toBeDefined();
  });

  it("a chunk size of exactly the cap, and one past", () => {
    const v = view("file-reference", 3);
    expect(payloadError("file-reference", brokenBytes("file-reference", v, 3, (pb) => (pb.encryption.chunkSize = 4 * 2 ** 20 + 1)), 3)?.details.field).toBe(
      "encryption.chunkSize",
    );
    expect(payloadError("file-reference", brokenBytes("file-reference", v, 3, (pb) => (pb.encryption.chunkSize = 4 * 2 ** 20)), 3)).toBeUndefined();
  });

  it("a segment index of count - 1, and of count", () => {
    const v = view("segment", 2);
    expect(payloadError("segment", brokenBytes("segment", v, 2, (pb) => (pb.index = pb.segmentsCount - 1)), 2)).toBeUndefined();
    expect(payloadError("segment", brokenBytes("segment", v, 2, (pb) => (pb.index = pb.segmentsCount)), 2)?.details.field).toBe("index");
  });

  it("sender capabilities whose range skips the envelope's version from below, and 65 features", () => {
    const payload = bin("segment", 2);
    const base = { version: 2, minReader: 1, type: 2, payload, fallbackText: "" };
    const late = encodeUnchecked("Envelope", { ...base, sender: { minVersion: 3, maxVersion: 4, features: [] } }, 2);
    expect(envelopeError(late, { min: 1, max: 2 })?.details.field).toBe("sender");
    const many = encodeUnchecked("Envelope", { ...base, sender: { minVersion: 1, maxVersion: 2, features: Array(MAX_FEATURES + 1).fill(ascii("x")) } }, 2);
    expect(envelopeError(many, { min: 1, max: 2 })?.details.field).toBe("features");
    const most = encodeUnchecked("Envelope", { ...base, sender: { minVersion: 1, maxVersion: 2, features: Array(MAX_FEATURES).fill(ascii("x")) } }, 2);
    expect(envelopeError(most, { min: 1, max: 2 })).toBeUndefined();
    expect(singlePassEnvelope(most, { min: 1, max: 2 })).toBeDefined();
  });
});

describe("encodings protobufjs reads in its own way: the single pass leaves them to it", () => {
  it("a sender sent twice: protobufjs merges the two (features appended, versions from the second)", () => {
    const first = encodeEnvelope({ version: 3, type: "segment", payload: bin("segment", 3), fallbackText: "", sender: { minVersion: 2, maxVersion: 3, features: ["cd-pointer"] } });
    const second = encodeUnchecked("Envelope", { sender: { minVersion: 3, maxVersion: 4, features: [ascii("piece-index")] } }, 3);
    const bytes = cat(first, second);
    expect(singlePassEnvelope(bytes, { min: 2, max: 3 })).toBeUndefined();
    expect(envelopeError(bytes)).toBeUndefined();
    expect(openEnvelope(bytes, { min: 2, max: 3 }).envelope.sender).toEqual({ minVersion: 3, maxVersion: 4, features: ["cd-pointer", "piece-index"] });
  });

  it("encryption sent twice, the second with a chunk size only: protobufjs keeps the first's key", () => {
    const v = view("file-reference", 3);
    const extra = encodeUnchecked("FileReference", { encryption: { chunkSize: 1024 } }, 3);
    const bytes = cat(bin("file-reference", 3), extra);
    expect(singlePassPayload("file-reference", bytes, 3, 3)).toBeUndefined();
    expect(payloadError("file-reference", bytes, 3)).toBeUndefined();
    const read = agreeOnPayload("file-reference", bytes, 3, 3) as FileReference;
    expect(read.encryption).toEqual({ ...v.encryption, chunkSize: 1024 });
  });

  it("an unknown field holding a well-formed group is skipped by protobufjs; the single pass leaves it to it", () => {
    const group = [0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01]; // field 20 start-group, field 1 = 1, field 20 end-group
    const bytes = cat(bin("segment", 3), group);
    expect(singlePassPayload("segment", bytes, 3, 3)).toBeUndefined();
    expect(payloadError("segment", bytes, 3)).toBeUndefined();
    // A group left open, or closed by another field's end-group, is malformed for both.
    expect(payloadError("segment", cat(bin("segment", 3), [0xa3, 0x01]), 3)?.code).toBe("E_WIRE_TRUNCATED");
    expect(payloadError("segment", cat(bin("segment", 3), [0xa3, 0x01, 0xac, 0x01]), 3)?.code).toBe("E_WIRE_MALFORMED");
  });

  it("varints of 10 bytes are read, of 11 refused; a uint32 keeps its low 32 bits", () => {
    // Segment.index (field 2) as 1 padded to 10 bytes, and as 2^32 + 1 (low 32 bits: 1).
    const padded = [0x10, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    const wrapped = [0x10, 0x81, 0x80, 0x80, 0x80, 0x10];
    const eleven = [0x10, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
    const base = bin("segment", 3);
    for (const tail of [padded, wrapped]) {
      const bytes = cat(base, tail);
      expect(payloadError("segment", bytes, 3)).toBeUndefined();
      expect((singlePassPayload("segment", bytes, 3, 3) as { index: number }).index).toBe(1);
    }
    expect(payloadError("segment", cat(base, eleven), 3)?.code).toBe("E_WIRE_MALFORMED");
  });

  it("an enum value read as int32: a payload type of 2^32 + 4 is file-reference, -1 is unknown", () => {
    const envelope = bin("envelope-file-reference", 3);
    const asBig = cat(envelope, [0x18, 0x84, 0x80, 0x80, 0x80, 0x10]);
    expect(envelopeError(asBig)).toBeUndefined();
    const negative = cat(envelope, [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(envelopeError(negative, { min: 3, max: 3 })?.code).toBe("E_WIRE_UNKNOWN_TYPE");
  });
});

describe("text", () => {
  const v = view("file-reference", 3);
  it("keeps a byte order mark at the start of a file name, as protobufjs does", () => {
    const bytes = brokenBytes("file-reference", v, 3, (pb) => (pb.fileName = "\uFEFFreport.pdf"));
    expect((agreeOnPayload("file-reference", bytes, 3, 3) as FileReference).fileName).toBe("\uFEFFreport.pdf");
    expect(singlePassPayload("file-reference", bytes, 3, 3)).toBeDefined();
  });

  it("refuses UTF-8 that encodes a surrogate or an overlong form, as protobufjs does", () => {
    const pb = pbOf("file-reference", v, 3);
    for (const name of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x61, 0xe2, 0x82]]) {
      pb.fileName = "";
      const bytes = cat(encodeUnchecked("FileReference", pb, 3), [0x2a, name.length, ...name]);
      expect(payloadError("file-reference", bytes, 3)?.code, name.join(",")).toBe("E_WIRE_MALFORMED");
    }
  });

  it("reads non-ASCII file names and fallback texts of every UTF-8 length", () => {
    const bytes = brokenBytes("file-reference", v, 3, (pb) => (pb.fileName = "é ✓ 😀 ünïcode.pdf"));
    expect((singlePassPayload("file-reference", bytes, 3, 3) as FileReference).fileName).toBe("é ✓ 😀 ünïcode.pdf");
    const envelope = encodeEnvelope({ version: 3, type: "segment", payload: bin("segment", 3), fallbackText: "Mettez à jour ✓ 😀" });
    expect(envelopeError(envelope)).toBeUndefined();
    expect(singlePassEnvelope(envelope, { min: 2, max: 3 })).toBeDefined();
  });
});
