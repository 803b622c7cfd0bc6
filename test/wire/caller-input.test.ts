import { describe, expect, it } from "vitest";
import { WireError, decodeForForwarding, decodePayload, encodePayload, encodePayloadEnvelope, introducedIn, isCidSyntax } from "../../src/wire/index.js";

/** What a call threw, or undefined. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const segmentBytes = new Uint8Array([0x10, 0x01]);

describe("a caller's missing version or envelope is a typed error, not a TypeError", () => {
  for (const at of [undefined, null]) {
    it(`decodePayload and decodeForForwarding with the version ${String(at)}: E_VERSION_UNSUPPORTED`, () => {
      for (const call of [
        () => decodePayload("segment", segmentBytes, at as never),
        () => decodeForForwarding("segment", segmentBytes, at as never),
      ]) {
        const err = thrown(call);
        expect(err, String(err)).toBeInstanceOf(WireError);
        expect((err as WireError).code).toBe("E_VERSION_UNSUPPORTED");
      }
    });
  }

  it("decodePayload and decodeForForwarding with a writer version that is no version (0, negative, fractional, NaN, a string, past uint32): E_VERSION_UNSUPPORTED naming the writer, not E_WIRE_UNKNOWN_TYPE", () => {
    for (const written of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, "3", 2 ** 32]) {
      for (const call of [
        () => decodePayload("segment", segmentBytes, { written: written as never, reader: 3 }),
        () => decodeForForwarding("segment", segmentBytes, { written: written as never, reader: 3 }),
      ]) {
        const err = thrown(call);
        expect(err, `${String(written)}: ${String(err)}`).toBeInstanceOf(WireError);
        expect((err as WireError).code, String(written)).toBe("E_VERSION_UNSUPPORTED");
        expect((err as WireError).details).toMatchObject({ role: "writer" });
      }
    }
    // A real version that predates the kind is still the kind's problem.
    expect((thrown(() => decodePayload("file-reference", segmentBytes, { written: 1, reader: 3 })) as WireError).code).toBe("E_WIRE_UNKNOWN_TYPE");
  });

  it("encodePayloadEnvelope without a payload or without envelope fields: E_WIRE_INVALID_FIELD", () => {
    for (const call of [
      () => encodePayloadEnvelope(null as never, { version: 3, fallbackText: "" }),
      () => encodePayloadEnvelope(undefined as never, { version: 3, fallbackText: "" }),
      () => encodePayloadEnvelope({ kind: "segment", message: {} } as never, null as never),
    ]) {
      const err = thrown(call);
      expect(err, String(err)).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe("E_WIRE_INVALID_FIELD");
    }
  });
});

describe("introducedIn", () => {
  it("names an unknown payload kind with E_WIRE_UNKNOWN_TYPE, as minReaderFor does, instead of a TypeError or undefined", () => {
    for (const kind of ["photo", "toString", "__proto__", undefined]) {
      const err = thrown(() => introducedIn(kind as never));
      expect(err, `${String(kind)}: ${String(err)}`).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe("E_WIRE_UNKNOWN_TYPE");
    }
    expect(introducedIn("file-reference")).toBe(2);
  });
});

describe("isCidSyntax", () => {
  it("answers false for what is not a string (null, undefined, bytes) instead of throwing", () => {
    for (const value of [null, undefined, 42, new Uint8Array(10)]) expect(isCidSyntax(value as never), String(value)).toBe(false);
    expect(isCidSyntax("zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7")).toBe(true);
  });
});

describe("a written version beyond uint32", () => {
  it("is refused (E_VERSION_UNSUPPORTED), not read with another reader's schema (2^32 + 3 read by 2 came out as version 3's fields)", () => {
    const view = {
      pieces: [{ cid: "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7", size: 10, sha256: new Uint8Array(32).fill(1), index: 0, offset: 0 }],
      encryption: { scheme: "aes-256-gcm-stream" as const, key: new Uint8Array(32).fill(2), noncePrefix: new Uint8Array(7).fill(3), chunkSize: 1024 },
      plaintextSize: 10,
      mime: "",
      fileName: "a.txt",
      plaintextSha256: new Uint8Array(32).fill(4),
      uploadedAt: 5,
      expiresAt: 6,
    };
    const bytes = encodePayload("file-reference", view, 3);
    expect(decodePayload("file-reference", bytes, { written: 3, reader: 2 }).uploadedAt).toBeUndefined();
    for (const written of [2 ** 32 + 3, 2 ** 32 + 2 ** 33]) {
      const err = thrown(() => decodePayload("file-reference", bytes, { written, reader: 2 }));
      expect(err, `written ${written}: ${String(err)}`).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe("E_VERSION_UNSUPPORTED");
    }
  });
});
