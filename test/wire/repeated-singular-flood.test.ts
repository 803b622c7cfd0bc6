/**
 * A known singular field sent again and again (protobuf allows it: the last value wins, a message
 * merges into the first; no writer of this protocol does it). protobufjs decodes every occurrence,
 * so a peer on Waku could make each member of a community pay far more per byte than for a real
 * message: 75,000 empty encryption fields in a 150 KiB FileReference (each merged), 8 million empty
 * description fields in a 16 MiB community description (an object each, seconds to refuse). The
 * pre-decode scan counts them and refuses more than MAX_REPEATED_FIELDS before protobufjs decodes
 * anything; the single pass declines past the same count, so both paths give the same answer.
 * These count what protobufjs is asked to do, never time.
 */
import protobuf from "protobufjs/light.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  MAX_COMMUNITY_DESCRIPTION_BYTES,
  MAX_REPEATED_FIELDS,
  MAX_UNKNOWN_FIELDS,
  WireError,
  decodeForForwarding,
  decodePayload,
  encodeFileReference,
  encodeSignedCommunityDescription,
  openEnvelope,
  type FileReference,
} from "../../src/wire/index.js";
import { openEnvelopeReflected } from "../../src/wire/envelope.js";
import { decodePayloadReflected } from "../../src/wire/payload-codec.js";
import { scanBeforeDecode } from "../../src/wire/pre-decode-scan.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { readEnvelope } from "../../src/wire/single-pass/index.js";
import { varint } from "../support/varint.js";
import { SAMPLE_CID, sampleReference } from "./support/sample-reference.js";
import { refusal } from "./support/refusal.js";

const CID = SAMPLE_CID;

const reference = sampleReference;

const communityId = new Uint8Array(33).fill(7);
communityId[0] = 0x02;
const description = encodeSignedCommunityDescription(
  { communityId, clock: 1, description: new Uint8Array(100).fill(1), signature: new Uint8Array(65).fill(9) },
  3,
);

/** `head`, then `count` copies of `entry`, then `tail`. */
function flood(head: Uint8Array, entry: readonly number[], count: number, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new Uint8Array(head.length + entry.length * count + tail.length);
  bytes.set(head);
  let at = head.length;
  for (let i = 0; i < count; i++, at += entry.length) bytes.set(entry, at);
  bytes.set(tail, at);
  return bytes;
}

/** Calls of protobufjs's Reader method `name` while `fn` runs (counted, not recorded: millions would not fit). */
function readerCalls(name: "bytes" | "uint64", fn: () => void): number {
  const proto = protobuf.Reader.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = proto[name] as (...args: unknown[]) => unknown;
  let calls = 0;
  proto[name] = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    fn();
  } finally {
    proto[name] = original;
  }
  return calls;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a known singular field sent far too many times", () => {
  it("FileReference: 75,000 empty encryption fields before the real one are refused in the scan, before protobufjs merges any", () => {
    const encryption = schemaFor(3)!.type("Encryption")!;
    // protobufjs replaces a type's decode with its generated one on first use: spy on that one.
    encryption.decode(new Uint8Array(0));
    const decodes = vi.spyOn(encryption, "decode");
    const bytes = flood(new Uint8Array(0), [0x12, 0x00], 75_000, encodeFileReference(reference, 3));
    expect(bytes.length).toBeLessThanOrEqual(150 * 1024);
    const text = Buffer.from("Update Status to open this file.");
    const envelope = Uint8Array.from([0x08, 3, 0x10, 2, 0x18, 4, 0x22, ...varint(bytes.length), ...bytes, 0x32, text.length, ...text]);
    const reads = [
      () => decodePayload("file-reference", bytes, 3),
      () => decodePayloadReflected("file-reference", bytes, 3),
      () => decodeForForwarding("file-reference", bytes, 3),
      () => decodeForForwarding("file-reference", bytes, { written: 3, reader: 2 }),
      () => openEnvelope(envelope, { min: 2, max: 3 }),
    ];
    for (const read of reads) {
      const err = refusal(read);
      expect(err.code).toBe("E_WIRE_TOO_LARGE");
      expect(err.details).toMatchObject({ message: "FileReference", repeatedFields: MAX_REPEATED_FIELDS + 1, cap: MAX_REPEATED_FIELDS });
    }
    expect(decodes.mock.calls.length, "Encryption messages protobufjs decoded").toBe(0);
  });

  it(`a ${MAX_COMMUNITY_DESCRIPTION_BYTES / 2 ** 20} MiB community description of 8M empty description (or community_id) fields is refused before protobufjs builds one`, () => {
    const count = (MAX_COMMUNITY_DESCRIPTION_BYTES - description.length) / 2;
    for (const entry of [[0x1a, 0x00], [0x0a, 0x00]]) {
      const bytes = flood(description, entry, count);
      let err: WireError | undefined;
      const built = readerCalls("bytes", () => {
        err = refusal(() => decodePayload("community-description", bytes, 3));
      });
      expect(err?.code).toBe("E_WIRE_TOO_LARGE");
      expect(err?.details).toMatchObject({ message: "SignedCommunityDescription", repeatedFields: MAX_REPEATED_FIELDS + 1 });
      expect(built, "bytes fields protobufjs built").toBe(0);
    }
  });

  it("a valid community description whose clock comes 8M times is refused, read or forwarded, without protobufjs reading a clock", () => {
    const bytes = flood(description, [0x10, 0x01], (MAX_COMMUNITY_DESCRIPTION_BYTES - description.length) / 2);
    for (const read of [
      () => decodePayload("community-description", bytes, 3),
      () => decodePayloadReflected("community-description", bytes, 3),
      () => decodeForForwarding("community-description", bytes, 3),
    ]) {
      let err: WireError | undefined;
      const clocks = readerCalls("uint64", () => {
        err = refusal(read);
      });
      expect(err?.code).toBe("E_WIRE_TOO_LARGE");
      expect(err?.details).toMatchObject({ repeatedFields: MAX_REPEATED_FIELDS + 1 });
      expect(clocks, "uint64s protobufjs read").toBe(0);
    }
  });
});

describe("the cap", () => {
  /** The description with `repeats` more clocks (the last, 1, wins) and `unknown` tiny unknown fields. */
  const withRepeats = (repeats: number, unknown = 0) => flood(flood(new Uint8Array(0), [0x10, 0x05], repeats, description), [0x78, 0x00], unknown);

  it("takes MAX_REPEATED_FIELDS occurrences after the first, read alike by both paths (the last value wins), and refuses one more on both", () => {
    const atCap = withRepeats(MAX_REPEATED_FIELDS);
    const view = decodePayload("community-description", atCap, 3);
    expect(view.clock).toBe(1);
    expect(decodePayloadReflected("community-description", atCap, 3)).toEqual(view);
    expect(decodeForForwarding("community-description", atCap, 3).message).toEqual(view);
    const over = withRepeats(MAX_REPEATED_FIELDS + 1);
    for (const read of [() => decodePayload("community-description", over, 3), () => decodePayloadReflected("community-description", over, 3)]) {
      expect(refusal(read).details).toMatchObject({ repeatedFields: MAX_REPEATED_FIELDS + 1, cap: MAX_REPEATED_FIELDS });
    }
  });

  it("counts occurrences in each message: a field once in each of 1,024 pieces is no repeat, twice in one piece is one", () => {
    const pieces = Array.from({ length: 1024 }, (_, i) => ({ cid: CID, size: 1 + i, sha256: new Uint8Array(32).fill(1) }));
    const many: FileReference = { ...reference, pieces, plaintextSize: pieces.reduce((n, p) => n + p.size, 0) };
    const bytes = encodeFileReference(many, 3);
    const type = schemaFor(3)!.type("FileReference")!;
    expect(scanBeforeDecode(type, bytes, undefined, MAX_REPEATED_FIELDS).repeatedFields).toBe(0);
    expect(decodeForForwarding("file-reference", bytes, 3).encode()).toEqual(bytes);
    // The first piece's size (field 2, a varint) once more, inside that piece.
    const one = encodeFileReference(reference, 3);
    const pieceLength = one[1] as number;
    const twice = Uint8Array.from([0x0a, pieceLength + 2, ...one.subarray(2, 2 + pieceLength), 0x10, 0x7f, ...one.subarray(2 + pieceLength)]);
    expect(scanBeforeDecode(type, twice, undefined, MAX_REPEATED_FIELDS).repeatedFields).toBe(1);
    expect(decodePayload("file-reference", twice, 3).pieces[0]?.size).toBe(0x7f);
  });

  it("counts, when forwarding, repeated and unknown fields together against MAX_UNKNOWN_FIELDS", () => {
    const half = MAX_UNKNOWN_FIELDS / 2;
    expect(decodeForForwarding("community-description", withRepeats(half, half), 3).unknownFields).toBe(half);
    const err = refusal(() => decodeForForwarding("community-description", withRepeats(half, half + 1), 3));
    expect(err.code).toBe("E_WIRE_TOO_LARGE");
    expect(err.details).toMatchObject({ unknownFields: half + 1, repeatedFields: half, cap: MAX_UNKNOWN_FIELDS });
    // Reading keeps no unknown field: only the repeats count there.
    expect(decodePayload("community-description", withRepeats(half, half + 1), 3).clock).toBe(1);
  });
});

describe("a field a newer version added, repeated", () => {
  // uploaded_at (field 7) is version 3's: unknown to a version 2 node, a repeated field to a version 3 one.
  /** The reference (whose uploaded_at is set) with `more` further uploaded_at fields, the last 1. */
  const withUploadedAt = (more: number) => flood(encodeFileReference(reference, 3), [0x38, 0x01], more);

  it("is unknown to the older node and counted as such; whatever the older node forwards, the newer one forwards too", () => {
    const older = { written: 3, reader: 2 };
    // The older node keeps every occurrence as an unknown field and passes them on as received.
    const few = withUploadedAt(1);
    const relay = decodeForForwarding("file-reference", few, older);
    expect(relay.encode()).toEqual(few);
    expect(decodePayload("file-reference", relay.encode(), 3).uploadedAt).toBe(1);
    // MAX + 1 occurrences: MAX + 1 unknown fields to the older node (refused), MAX repeats to the newer one (taken).
    const edge = withUploadedAt(MAX_UNKNOWN_FIELDS);
    expect(refusal(() => decodeForForwarding("file-reference", edge, older)).details).toMatchObject({ unknownFields: MAX_UNKNOWN_FIELDS + 1 });
    expect(decodeForForwarding("file-reference", edge, 3).message.uploadedAt).toBe(1);
    // One more: both refuse.
    const over = withUploadedAt(MAX_UNKNOWN_FIELDS + 1);
    expect(refusal(() => decodeForForwarding("file-reference", over, older)).code).toBe("E_WIRE_TOO_LARGE");
    expect(refusal(() => decodeForForwarding("file-reference", over, 3)).code).toBe("E_WIRE_TOO_LARGE");
    // An older reader skips what it does not know, however often it comes.
    expect(decodePayload("file-reference", over, older).fileName).toBe("clip.mp4");
  });
});

describe("an envelope and its payload", () => {
  it("have their repeats counted apart, as the reflection path scans them apart: the single pass reads what each keeps under the cap", () => {
    const half = MAX_REPEATED_FIELDS / 2;
    // The payload's mime comes `half` more times (the last, "a/b", wins), the envelope's fallback text `half + 1` more:
    // more than the cap together, not apart.
    const payload = flood(encodeFileReference(reference, 3), [0x22, 0x03, ...Buffer.from("a/b")], half);
    const head = Uint8Array.from([0x08, 3, 0x10, 2, 0x18, 4, 0x22, ...varint(payload.length), ...payload]);
    const bytes = flood(head, [0x32, 0x01, 0x78], half + 2);
    const reader = { min: 2, max: 3 };
    const opened = readEnvelope(bytes, reader, schemaFor(3)!);
    expect(opened?.payload.message).toMatchObject({ mime: "a/b" });
    expect(opened?.envelope.fallbackText).toBe("x");
    expect(openEnvelopeReflected(bytes, reader)).toEqual(opened);
  });
});
