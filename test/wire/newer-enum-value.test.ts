/**
 * A newer writer's enum value inside a payload an older reader may open: an encryption scheme added
 * after this reader, in a version N+1 envelope whose min_reader (N, by the protocol rule) lets a
 * version N reader open it. That reader cannot read the file, but the message is not broken: it is
 * for newer readers, so the reader shows the writer's fallback text ("Update Status to open this
 * file."), as for any envelope it is too old for, rather than drop it as invalid without a word.
 */
import { describe, expect, it } from "vitest";
import { decodeFileReference, decodePayload, encodeFileReference, openEnvelope } from "../../src/wire/index.js";
import { decodePayloadReflected } from "../../src/wire/payload-codec.js";
import { openEnvelopeReflected } from "../../src/wire/envelope.js";
import { varint } from "../support/varint.js";
import { sampleReference } from "./support/sample-reference.js";
import { refusal } from "./support/refusal.js";

const FALLBACK = "Update Status to open this file.";

const reference = sampleReference;

/** The reference as version 3 writes it, with encryption.scheme set to `scheme` (AES-256-GCM-STREAM is 1). */
function referenceWithScheme(scheme: number): Uint8Array {
  const bytes = encodeFileReference(reference, 3);
  // Encryption starts with its scheme (field 1, varint 1), then its 32-byte key (field 2).
  const at = Buffer.from(bytes).indexOf(Buffer.from([0x08, 0x01, 0x12, 0x20]));
  expect(at).toBeGreaterThan(0);
  bytes[at + 1] = scheme;
  return bytes;
}

/** An envelope as a writer of `version` sends it (no encoder here writes a version this build lacks). */
function envelope(version: number, minReader: number, payload: Uint8Array): Uint8Array {
  const text = Buffer.from(FALLBACK);
  return Uint8Array.from([0x08, version, 0x10, minReader, 0x18, 4, 0x22, ...varint(payload.length), ...payload, 0x32, text.length, ...text]);
}

const READER = { min: 2, max: 3 };

describe("an encryption scheme this reader's version does not know", () => {
  it("from a newer writer (version 4, min_reader 3): reader too old, with the writer's fallback text", () => {
    const bytes = envelope(4, 3, referenceWithScheme(2));
    for (const open of [() => openEnvelope(bytes, READER), () => openEnvelopeReflected(bytes, READER)]) {
      const err = refusal(open);
      expect(err.code).toBe("E_VERSION_UNSUPPORTED");
      expect(err.details).toMatchObject({ reason: "reader-too-old", version: 4, minReader: 3, fallbackText: FALLBACK, field: "FileReference.encryption.scheme" });
      expect(err.message).toContain("FileReference.encryption.scheme");
    }
  });

  it("from a writer of the reader's own version: invalid, as that version has no such scheme", () => {
    const bytes = envelope(3, 2, referenceWithScheme(2));
    const err = refusal(() => openEnvelope(bytes, READER));
    expect(err.code).toBe("E_WIRE_INVALID_FIELD");
    expect(err.details).toMatchObject({ field: "encryption.scheme", scheme: 2 });
  });

  it("an unset scheme from a newer writer is still a missing field, not a newer value", () => {
    const bytes = envelope(4, 3, referenceWithScheme(0));
    const err = refusal(() => openEnvelope(bytes, READER));
    expect(err.code).toBe("E_WIRE_INVALID_FIELD");
    expect(err.details).toMatchObject({ field: "encryption.scheme", missing: true });
  });

  it("a newer writer's reference with the scheme this reader knows opens (its version 4 fields unknown)", () => {
    const opened = openEnvelope(envelope(4, 3, referenceWithScheme(1)), READER);
    expect(opened.envelope.version).toBe(4);
    expect(opened.payload.message).toMatchObject({ fileName: "clip.mp4", encryption: { scheme: "aes-256-gcm-stream" } });
  });
});

describe("the same scheme read as a payload alone (decodePayload): the code stays, details.reason tells too new from broken", () => {
  it("from a newer writer ({ written: 4, reader: 3 }): E_WIRE_INVALID_FIELD with reason reader-too-old and both versions", () => {
    const bytes = referenceWithScheme(2);
    const at = { written: 4, reader: 3 };
    for (const read of [() => decodePayload("file-reference", bytes, at), () => decodeFileReference(bytes, at), () => decodePayloadReflected("file-reference", bytes, at)]) {
      const err = refusal(read);
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ reason: "reader-too-old", field: "encryption.scheme", scheme: 2, written: 4, reader: 3 });
      expect(err.message).toContain("written by protocol 4, newer than this reader (3)");
    }
  });

  it("from a writer of the reader's own version or older: no reason, the message is broken", () => {
    for (const at of [3, { written: 3, reader: 3 }, { written: 2, reader: 3 }]) {
      const err = refusal(() => decodePayload("file-reference", referenceWithScheme(2), at));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ field: "encryption.scheme", scheme: 2 });
      expect(err.details.reason).toBeUndefined();
    }
  });

  it("a newer writer's unset scheme is still a missing field, with no reason", () => {
    const err = refusal(() => decodePayload("file-reference", referenceWithScheme(0), { written: 4, reader: 3 }));
    expect(err.details).toMatchObject({ field: "encryption.scheme", missing: true });
    expect(err.details.reason).toBeUndefined();
  });
});
