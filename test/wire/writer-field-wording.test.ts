/**
 * What an app's encoder call is told about a field it filled wrong. The field rules are shared with
 * readers (docs/wire.md, Writing), whose proto3 view cannot tell 0 or empty from unset; so a writer
 * that set `size: 0` or `pieces: []` was told the field "is required but missing", which names
 * something it did not do. A number given as a string or a bigint was "got string" / "got bigint",
 * and a key given as text only "must be bytes". Codes and details are unchanged.
 */
import { describe, expect, it } from "vitest";
import { type WireError, encodeCommunityDescriptionPointer, encodeFileReference } from "../../src/wire/index.js";
import { refusal } from "./support/refusal.js";
import { sampleReference } from "./support/sample-reference.js";

const reference = sampleReference;

function refused(run: () => unknown): WireError {
  const error = refusal(run);
  expect(error.code).toBe("E_WIRE_INVALID_FIELD");
  return error;
}

describe("a writer's zero or empty required field", () => {
  it("a piece of size 0 and a plaintextSize of 0: said to be 0, not only missing", () => {
    const piece = refused(() => encodeFileReference({ ...reference, pieces: [{ ...reference.pieces[0]!, size: 0 }] }, 3));
    expect(piece.message).toBe("FileReference.pieces[0].size is required but missing or 0 (proto3 cannot tell them apart; readers reject the message without it)");
    expect(piece.details).toMatchObject({ field: "pieces[0].size", missing: true });
    expect(refused(() => encodeFileReference({ ...reference, plaintextSize: 0 }, 2)).message).toContain("plaintextSize is required but missing or 0");
  });

  it("no pieces, an empty key, an empty CID: said to be empty", () => {
    expect(refused(() => encodeFileReference({ ...reference, pieces: [] }, 3)).message).toContain("pieces is required but missing or empty");
    const key = { ...reference.encryption, key: new Uint8Array(0) };
    expect(refused(() => encodeFileReference({ ...reference, encryption: key }, 3)).message).toContain("encryption.key is required but missing or empty");
    const cid = refused(() => encodeFileReference({ ...reference, pieces: [{ ...reference.pieces[0]!, cid: "" }] }, 3));
    expect(cid.message).toContain("pieces[0].cid is required but missing or empty");
    expect(cid.details).toMatchObject({ missing: true });
  });
});

describe("a writer's field of the wrong type is named by what it is", () => {
  it('a number given as a string or a bigint: "got the string "10"", "got a bigint"', () => {
    expect(refused(() => encodeFileReference({ ...reference, plaintextSize: "10" as never }, 3)).message).toMatch(/plaintextSize must be an integer in \[1, \d+\], got the string "10"$/);
    const pointer = {
      communityId: Uint8Array.of(2, ...new Uint8Array(32).fill(5)),
      clock: 7n as never,
      cid: "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7",
      contentHash: new Uint8Array(32).fill(6),
      size: 10,
      expiresAt: 0,
      signature: new Uint8Array(65).fill(7),
    };
    expect(refused(() => encodeCommunityDescriptionPointer(pointer, 3)).message).toMatch(/clock must be an integer in \[1, \d+\], got a bigint$/);
  });

  it("a key given as text: says it was a string, and never quotes it", () => {
    const secret = "c2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3QtbG9nLWl0IQ==";
    const error = refused(() => encodeFileReference({ ...reference, encryption: { ...reference.encryption, key: secret as never } }, 3));
    expect(error.message).toBe("FileReference.encryption.key must be bytes (a Uint8Array), not a string");
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it("a CID given as bytes: says so", () => {
    const error = refused(() => encodeFileReference({ ...reference, pieces: [{ ...reference.pieces[0]!, cid: new Uint8Array(4) as never }] }, 3));
    expect(error.message).toBe("FileReference.pieces[0].cid must be a string, not a Uint8Array of 4 bytes");
  });
});
