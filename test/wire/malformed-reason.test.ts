/**
 * E_WIRE_MALFORMED said only "FileReference is not a valid protobuf message (204 bytes)", whatever
 * was wrong: a file name that is not UTF-8 (a well-formed message whose text is broken), a wire type
 * that does not exist, a field number 0, groups nested past the decoder's depth. The message (and
 * `file get`'s, which repeats it) now says which; the code and details are unchanged.
 */
import { describe, expect, it } from "vitest";
import { type WireError, decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { refusal } from "./support/refusal.js";
import { sampleReference } from "./support/sample-reference.js";

const reference = sampleReference;
const valid = encodeFileReference(reference, 3);
const withTail = (...tail: number[]): Uint8Array => Uint8Array.of(...valid, ...tail);

function malformed(bytes: Uint8Array): WireError {
  const error = refusal(() => decodeFileReference(bytes, 3));
  expect(error.code).toBe("E_WIRE_MALFORMED");
  expect(error.details).toEqual({ message: "FileReference", bytes: bytes.length, stage: "structure" });
  return error;
}

describe("E_WIRE_MALFORMED says what is wrong", () => {
  it("a file name that is not UTF-8", () => {
    const bytes = withTail(0x2a, 2, 0xff, 0xfe); // field 5 (file_name), 2 bytes
    expect(malformed(bytes).message).toBe(`FileReference is not a valid protobuf message (${bytes.length} bytes): a text field is not valid UTF-8`);
  });

  it("a wire type that does not exist, and an end of group that was never started", () => {
    expect(malformed(withTail(0xd7, 0x03)).message).toMatch(/: wire type 7 does not exist$/);
    expect(malformed(withTail(0x94, 0x03)).message).toMatch(/: an end of group \(wire type 4\) with no group open$/);
  });

  it("a field number 0", () => {
    expect(malformed(withTail(0x00, 0x01)).message).toMatch(/: a field numbered 0$/);
  });

  it("groups nested past the decoder's depth", () => {
    const open = Array.from({ length: 200 }, () => [0x93, 0x03]).flat(); // field 50, start group
    const close = Array.from({ length: 200 }, () => [0x94, 0x03]).flat();
    expect(malformed(withTail(...open, ...close)).message).toMatch(/: groups nested more than 100 deep$/);
  });
});
