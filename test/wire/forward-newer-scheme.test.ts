/**
 * A relay passing on a FileReference whose writer's version added an encryption scheme the relay's
 * version does not know. A peer never strips or blocks what a newer peer added: the relay forwards
 * such a reference unchanged (its reader, too old, shows the fallback text; see
 * newer-enum-value.test.ts). It was refused (E_WIRE_INVALID_FIELD encryption.scheme), so the file
 * never reached the newer members behind that relay. What the relay itself reads is unchanged, and
 * a message of its own version or older with such a scheme is still refused.
 */
import { describe, expect, it } from "vitest";
import { decodeForForwarding, decodePayload, encodeFileReference, encodePayload } from "../../src/wire/index.js";
import { varint } from "../support/varint.js";
import { sampleReference } from "./support/sample-reference.js";
import { refusal } from "./support/refusal.js";

const reference = sampleReference;

/**
 * The reference as version 3 writes it with its encryption replaced by `encryption` (the fields of
 * an Encryption message, field 2 of FileReference), as a newer writer would send it.
 */
function withEncryption(encryption: readonly number[]): Uint8Array {
  const bytes = encodeFileReference(reference, 3);
  // Encryption (field 2, a one-byte length) starts with its scheme (08 01), then its 32-byte key (12 20).
  const at = Buffer.from(bytes).indexOf(Buffer.from([0x08, 0x01, 0x12, 0x20])) - 2;
  expect(at).toBeGreaterThan(0);
  expect(bytes[at]).toBe(0x12);
  const end = at + 2 + (bytes[at + 1] as number);
  return Uint8Array.from([...bytes.subarray(0, at), 0x12, ...varint(encryption.length), ...encryption, ...bytes.subarray(end)]);
}

const key = (n: number) => [0x12, n, ...new Array<number>(n).fill(3)];
const nonce = [0x1a, 0x07, ...new Array<number>(7).fill(4)];
const chunk = [0x20, ...varint(65_536)];
/** Scheme 2, a scheme of version 4, with this version's key, nonce prefix and chunk size. */
const scheme2 = [0x08, 0x02, ...key(32), ...nonce, ...chunk];

describe("a newer writer's encryption scheme, through an older relay", () => {
  for (const reader of [2, 3]) {
    it(`a version ${reader} node forwards a version 4 reference with scheme 2 byte for byte, and says which scheme it carries`, () => {
      const bytes = withEncryption(scheme2);
      const node = decodeForForwarding("file-reference", bytes, { written: 4, reader });
      expect(node.message.encryption.newerScheme).toBe(2);
      expect(node.encode()).toEqual(bytes);
    });
  }

  it("carries a scheme whose key and nonce lengths this version would refuse, and fields inside the encryption it does not know", () => {
    // A 64-byte key, no nonce prefix, no chunk size, and a field 9 of version 4's Encryption.
    const bytes = withEncryption([0x08, 0x07, ...key(64), 0x48, 0x01]);
    const node = decodeForForwarding("file-reference", bytes, { written: 4, reader: 3 });
    expect(node.message.encryption).toMatchObject({ newerScheme: 7, chunkSize: 0 });
    expect(node.unknownFields).toBe(1);
    expect(node.encode()).toEqual(bytes);
  });

  it("a relay that changes a field it knows sends the newer encryption on as it came", () => {
    const bytes = withEncryption(scheme2);
    const node = decodeForForwarding("file-reference", bytes, { written: 4, reader: 3 });
    node.message.fileName = "renamed.mp4";
    const out = node.encode();
    expect(Buffer.from(out).includes(Buffer.from([0x12, scheme2.length, ...scheme2]))).toBe(true);
    const again = decodeForForwarding("file-reference", out, { written: 4, reader: 3 });
    expect(again.message.fileName).toBe("renamed.mp4");
    expect(again.message.encryption.newerScheme).toBe(2);
  });

  it("is still refused when reading, whatever the writer (the reader shows the fallback text from the envelope)", () => {
    const bytes = withEncryption(scheme2);
    for (const at of [{ written: 4, reader: 3 }, 3]) {
      const err = refusal(() => decodePayload("file-reference", bytes, at));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ field: "encryption.scheme", scheme: 2, unknownEnumValue: true });
    }
  });

  it("is refused from a writer of the relay's version or older: that version has no such scheme", () => {
    const bytes = withEncryption(scheme2);
    for (const at of [3, { written: 2, reader: 3 }, { written: 3, reader: 3 }]) {
      const err = refusal(() => decodeForForwarding("file-reference", bytes, at));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ field: "encryption.scheme", scheme: 2 });
    }
  });

  it("an unset scheme from a newer writer is still missing", () => {
    const err = refusal(() => decodeForForwarding("file-reference", withEncryption([...key(32), ...nonce, ...chunk]), { written: 4, reader: 3 }));
    expect(err.details).toMatchObject({ field: "encryption.scheme", missing: true });
  });

  it("is never written by this version: a writer, or a relay of its own version's message, that sets newerScheme is refused", () => {
    const forged = { ...reference, encryption: { ...reference.encryption, newerScheme: 2 } };
    expect(refusal(() => encodePayload("file-reference", forged, 3)).details).toMatchObject({ field: "encryption.newerScheme" });
    const node = decodeForForwarding("file-reference", encodeFileReference(reference, 3), 3);
    node.message.encryption.newerScheme = 2;
    expect(refusal(() => node.encode()).details).toMatchObject({ field: "encryption.newerScheme" });
    // Nor a scheme this version knows under that name.
    const newer = decodeForForwarding("file-reference", withEncryption(scheme2), { written: 4, reader: 3 });
    newer.message.encryption.newerScheme = 1;
    expect(refusal(() => newer.encode()).details).toMatchObject({ field: "encryption.newerScheme" });
  });
});
