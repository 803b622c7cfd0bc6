/**
 * The control node's signature covers the payload message as written (fields a newer writer added
 * included) and is checked on the bytes as received: a version-3 writer's extra fields verify at a
 * version-2 reader, a relay's unchanged forward still verifies, and any change to what was signed,
 * a second signature, another key or a community id not the signer's is E_BRIDGE_SIGNATURE_INVALID.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import {
  SIGNATURE_FIELD,
  openBridgeEnvelope,
  openReassembledDescription,
  sealCommunityDescription,
  sealCommunityDescriptionPointer,
  signPayloadBytes,
  verifyCommunityDescription,
  verifyCommunityDescriptionPointer,
  type PointerDraft,
} from "../../src/bridge/index.js";
import { keccak256, newSecretKey, publicKeyOf } from "../../src/crypto/index.js";
import {
  MAX_WRITTEN_ENVELOPE_BYTES,
  decodeForForwarding,
  encodeCommunityDescriptionPointer,
  encodeEnvelope,
  encodeSignedCommunityDescription,
  encodeWholeEnvelope,
  withoutField,
  type PayloadKind,
} from "../../src/wire/index.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { varint } from "../support/varint.js";

const KEY = newSecretKey();
const OTHER = newSecretKey();
const V2 = { min: 1, max: 2 };
const V3 = { min: 2, max: 3 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const description = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
const pointerDraft: PointerDraft = {
  clock: 7,
  cid: "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7",
  contentHash: new Uint8Array(32).fill(3),
  size: 1_500_000,
  expiresAt: 1_900_000_000,
};

/** A length-delimited field as bytes. */
const field = (number: number, value: Uint8Array | number[]): number[] => [...varint(number * 8 + 2), ...varint(value.length), ...value];

function codeOf(fn: () => unknown): { code?: string; fault?: unknown } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof BridgeError)) throw err;
    return { code: err.code, fault: err.details["fault"] };
  }
  return {};
}

/** Signed payload bytes of `kind` for `communityId`, with `extra` bytes (fields a newer writer added) after the known ones, signed by `key`. */
function signedWith(kind: "community-description" | "cd-pointer", version: number, key: Uint8Array, extra: number[] = [], communityId = publicKeyOf(key)): Uint8Array {
  const placeholder = new Uint8Array(65);
  const known =
    kind === "community-description"
      ? encodeSignedCommunityDescription({ communityId, clock: 9, description: description(300), signature: placeholder }, version)
      : encodeCommunityDescriptionPointer({ ...pointerDraft, communityId, signature: placeholder }, version);
  return signPayloadBytes(kind, Uint8Array.from([...known, ...extra]), key);
}

const envelopeOf = (kind: PayloadKind, payload: Uint8Array, version: number): Uint8Array =>
  (kind === "community-description" ? encodeWholeEnvelope : encodeEnvelope)({ version, type: kind, payload, fallbackText: "" });

describe("what is signed", () => {
  it("the signature fields are the schemas' (field 4 of the description, 7 of the pointer) in every version", () => {
    for (const version of [1, 2, 3]) {
      const schema = schemaFor(version)!;
      expect(schema.type("SignedCommunityDescription")!.fields["signature"]!.id).toBe(SIGNATURE_FIELD["community-description"]);
      if (version >= 2) expect(schema.type("CommunityDescriptionPointer")!.fields["signature"]!.id).toBe(SIGNATURE_FIELD["cd-pointer"]);
    }
  });

  it("is keccak256 of the payload message without its signature field: the digest a receiver gets", () => {
    const sealed = sealCommunityDescription({ description: description(1000), clock: 3 }, { secretKey: KEY, version: 3 });
    const split = withoutField(sealed.payload, 4);
    expect(split.ok).toBe(true);
    const opened = openBridgeEnvelope(sealed.envelope, V3);
    expect(opened.kind).toBe("community-description");
    if (opened.kind !== "community-description") return;
    expect(hex(opened.digest)).toBe(hex(keccak256(split.ok ? split.without : new Uint8Array())));
    expect(hex(opened.message.communityId)).toBe(hex(publicKeyOf(KEY)));
    expect(hex(opened.payload)).toBe(hex(sealed.payload));
  });
});

describe("sealed publications open and verify", () => {
  for (const [version, reader] of [
    [1, { min: 1, max: 1 }],
    [2, V2],
    [2, V3],
    [3, V2],
    [3, V3],
  ] as const) {
    it(`a version ${version} description at a reader of ${reader.min}..${reader.max}`, () => {
      const sealed = sealCommunityDescription({ description: description(500), clock: 11 }, { secretKey: KEY, version });
      const opened = openBridgeEnvelope(sealed.envelope, reader);
      expect(opened.kind === "community-description" && opened.message.clock).toBe(11);
    });
    if (version >= 2 && reader.min >= 1 && reader.max >= 2) {
      it(`a version ${version} pointer at a reader of ${reader.min}..${reader.max}`, () => {
        const sealed = sealCommunityDescriptionPointer(
          version === 3 ? { ...pointerDraft, supersedesClock: 6, supersedesCid: pointerDraft.cid } : pointerDraft,
          { secretKey: KEY, version },
        );
        const opened = openBridgeEnvelope(sealed.envelope, reader);
        expect(opened.kind === "cd-pointer" && opened.message.cid).toBe(pointerDraft.cid);
        expect(verifyCommunityDescriptionPointer(sealed.payload, { written: version, reader: reader.max }).message.size).toBe(pointerDraft.size);
      });
    }
  }

  it("a description above one Waku message seals into a whole envelope that opens once reassembled", () => {
    const sealed = sealCommunityDescription({ description: description(1_500_000), clock: 2 }, { secretKey: KEY, version: 3 });
    expect(sealed.envelope.length).toBeGreaterThan(MAX_WRITTEN_ENVELOPE_BYTES);
    expect(openReassembledDescription(sealed.envelope, V3).message.description.length).toBe(1_500_000);
    // What Codex stores (the payload alone) verifies the same, at the written version.
    expect(hex(verifyCommunityDescription(sealed.payload, { written: 3, reader: 2 }).digest)).toBe(
      hex(openReassembledDescription(sealed.envelope, V2).digest),
    );
  });
});

describe("N and N+1: fields a newer writer added are signed and verify where they are unknown", () => {
  const unknown = [...field(15, new TextEncoder().encode("added in version 4")), ...field(21, [1, 2, 3])];

  it("a version 3 description with unknown fields verifies at a version 2 reader, and after an unchanged forward", () => {
    const payload = signedWith("community-description", 3, KEY, unknown);
    const opened = openBridgeEnvelope(envelopeOf("community-description", payload, 3), V2);
    expect(opened.kind === "community-description" && opened.message.clock).toBe(9);
    const forwarded = decodeForForwarding("community-description", payload, { written: 3, reader: 2 }).encode();
    expect(hex(forwarded)).toBe(hex(payload));
    expect(openBridgeEnvelope(envelopeOf("community-description", forwarded, 2), V2).kind).toBe("community-description");
  });

  it("a version 3 pointer with supersedes fields and an unknown field verifies at a version 2 reader (which knows neither)", () => {
    const placeholder = new Uint8Array(65);
    const known = encodeCommunityDescriptionPointer(
      { ...pointerDraft, supersedesClock: 5, supersedesCid: pointerDraft.cid, communityId: publicKeyOf(KEY), signature: placeholder },
      3,
    );
    const payload = signPayloadBytes("cd-pointer", Uint8Array.from([...known, ...unknown]), KEY);
    const opened = openBridgeEnvelope(envelopeOf("cd-pointer", payload, 3), V2);
    expect(opened.kind === "cd-pointer" && opened.message.supersedesClock).toBe(undefined);
    expect(verifyCommunityDescriptionPointer(payload, { written: 3, reader: 2 }).kind).toBe("cd-pointer");
  });

  it("the same message re-encoded from its decoded view (unknown fields dropped) no longer verifies", () => {
    const payload = signedWith("community-description", 3, KEY, unknown);
    const view = openBridgeEnvelope(envelopeOf("community-description", payload, 3), V2);
    if (view.kind !== "community-description") throw new Error("not a description");
    const reencoded = encodeSignedCommunityDescription(view.message, 2);
    expect(codeOf(() => openBridgeEnvelope(envelopeOf("community-description", reencoded, 2), V2))).toEqual({
      code: "E_BRIDGE_SIGNATURE_INVALID",
      fault: "other-signer",
    });
  });
});

describe("what does not verify", () => {
  const kinds = ["community-description", "cd-pointer"] as const;

  for (const kind of kinds) {
    const payload = signedWith(kind, 3, KEY, [...field(15, [9, 9])]);
    const open = (bytes: Uint8Array) => () => openBridgeEnvelope(envelopeOf(kind, bytes, 3), V3);

    it(`${kind}: the payload as signed verifies (the cases below change only what they say)`, () => {
      expect(codeOf(open(payload))).toEqual({});
    });

    test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 150 })(
      `${kind}: a byte altered anywhere never verifies (a signature error, or unreadable where the structure broke)`,
      (at, xor) => {
        const altered = Uint8Array.from(payload);
        const i = at % altered.length;
        altered[i] = (altered[i] as number) ^ xor;
        const { code } = codeOf(open(altered));
        expect(["E_BRIDGE_SIGNATURE_INVALID", "E_BRIDGE_UNREADABLE"]).toContain(code);
      },
    );

    it(`${kind}: a byte altered inside a signed value is E_BRIDGE_SIGNATURE_INVALID`, () => {
      const altered = Uint8Array.from(payload);
      altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1; // the unknown field's last byte
      expect(codeOf(open(altered)).code).toBe("E_BRIDGE_SIGNATURE_INVALID");
      const clock = Uint8Array.from(payload);
      clock[36] = (clock[36] as number) ^ 1; // field 2's varint after the 35-byte community id field
      expect(codeOf(open(clock)).code).toBe("E_BRIDGE_SIGNATURE_INVALID");
    });

    it(`${kind}: a signed field moved (the clock before the community id) is E_BRIDGE_SIGNATURE_INVALID`, () => {
      const moved = Uint8Array.from([...payload.subarray(35, 37), ...payload.subarray(0, 35), ...payload.subarray(37)]);
      expect(payload[35]).toBe(0x10); // field 2, varint
      expect(codeOf(open(moved))).toEqual({ code: "E_BRIDGE_SIGNATURE_INVALID", fault: "other-signer" });
    });

    it(`${kind}: the signature field's own place is not signed: moved to the front, the same publication (same digest)`, () => {
      const split = withoutField(payload, SIGNATURE_FIELD[kind]);
      if (!split.ok) throw new Error("no signature");
      const front = Uint8Array.from([...field(SIGNATURE_FIELD[kind], split.value), ...split.without]);
      const at = (bytes: Uint8Array) => openBridgeEnvelope(envelopeOf(kind, bytes, 3), V3) as { digest: Uint8Array };
      expect(hex(at(front).digest)).toBe(hex(at(payload).digest));
    });

    it(`${kind}: a second signature field is E_BRIDGE_SIGNATURE_INVALID (repeated), whichever value it holds`, () => {
      const split = withoutField(payload, SIGNATURE_FIELD[kind]);
      if (!split.ok) throw new Error("no signature");
      const again = Uint8Array.from([...payload, ...field(SIGNATURE_FIELD[kind], split.value)]);
      expect(codeOf(open(again))).toEqual({ code: "E_BRIDGE_SIGNATURE_INVALID", fault: "repeated" });
    });

    it(`${kind}: a signature by another key over the community's message is E_BRIDGE_SIGNATURE_INVALID`, () => {
      const forged = signedWith(kind, 3, OTHER, [], publicKeyOf(KEY));
      expect(codeOf(open(forged))).toEqual({ code: "E_BRIDGE_SIGNATURE_INVALID", fault: "other-signer" });
    });

    it(`${kind}: a community id that is not the signer's is E_BRIDGE_SIGNATURE_INVALID`, () => {
      // Signed by KEY, but naming OTHER's community: the signature is good, the signer is not the community.
      const mislabelled = signedWith(kind, 3, KEY, [], publicKeyOf(OTHER));
      expect(codeOf(open(mislabelled))).toEqual({ code: "E_BRIDGE_SIGNATURE_INVALID", fault: "other-signer" });
    });

    it(`${kind}: a malformed signature (out of range, high s, bad v) is E_BRIDGE_SIGNATURE_INVALID with its fault, no throw from the curve`, () => {
      const split = withoutField(payload, SIGNATURE_FIELD[kind]);
      if (!split.ok) throw new Error("no signature");
      const at = split.valueOffset;
      const set = (edit: (sig: Uint8Array) => void): Uint8Array => {
        const copy = Uint8Array.from(payload);
        edit(copy.subarray(at, at + 65));
        return copy;
      };
      expect(codeOf(open(set((sig) => sig.fill(0xff, 0, 32)))).fault).toBe("r-out-of-range");
      expect(codeOf(open(set((sig) => sig.fill(0, 32, 64)))).fault).toBe("s-out-of-range");
      expect(codeOf(open(set((sig) => (sig[64] = 27)))).fault).toBe("recovery-id");
      expect(codeOf(open(set((sig) => (sig[32] = 0x80)))).fault).toBe("high-s");
    });
  }

  test.prop([fc.uint8Array({ minLength: 0, maxLength: 400 })], { numRuns: 300 })(
    "any bytes from the network or Codex are a BridgeError or a verified message, never another throw",
    (bytes) => {
      for (const open of [
        () => openBridgeEnvelope(bytes, V3),
        () => openReassembledDescription(bytes, V2),
        () => verifyCommunityDescription(bytes, { written: 3, reader: 2 }),
        () => verifyCommunityDescriptionPointer(bytes, 3),
      ]) {
        const { code } = codeOf(open);
        expect(code === undefined || code.startsWith("E_BRIDGE_")).toBe(true);
      }
    },
  );

  const sealedDescription = sealCommunityDescription({ description: description(600), clock: 5 }, { secretKey: KEY, version: 3 }).envelope;
  const sealedPointer = sealCommunityDescriptionPointer(pointerDraft, { secretKey: KEY, version: 3 }).envelope;
  const edit = fc.oneof(
    fc.record({ op: fc.constant("flip" as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ op: fc.constant("cut" as const), at: fc.nat(), xor: fc.constant(0) }),
    fc.record({ op: fc.constant("insert" as const), at: fc.nat(), xor: fc.integer({ min: 0, max: 255 }) }),
  );

  test.prop([fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 3 })], { numRuns: 300 })(
    "a sealed envelope edited anywhere (bytes flipped, cut short, bytes inserted) is a BridgeError or opens verified, never another throw",
    (pointer, edits) => {
      let bytes = [...(pointer ? sealedPointer : sealedDescription)];
      for (const { op, at, xor } of edits) {
        const i = at % bytes.length;
        if (op === "flip") bytes[i] = (bytes[i] as number) ^ xor;
        else if (op === "cut") bytes = bytes.slice(0, Math.max(1, i));
        else bytes.splice(i, 0, xor);
      }
      const { code } = codeOf(() => openBridgeEnvelope(Uint8Array.from(bytes), V3));
      expect(code === undefined || code.startsWith("E_BRIDGE_")).toBe(true);
    },
  );

  it("an envelope of a kind the bridge does not carry is E_BRIDGE_UNREADABLE; a wire refusal keeps the wire's code", () => {
    const attachment = encodeEnvelope({
      version: 2,
      type: "inline-attachment",
      payload: Uint8Array.from([...field(1, new TextEncoder().encode("text/plain")), ...field(2, new TextEncoder().encode("a.txt")), ...field(3, [1])]),
      fallbackText: "",
    });
    expect(codeOf(() => openBridgeEnvelope(attachment, V2)).code).toBe("E_BRIDGE_UNREADABLE");
    let error: unknown;
    try {
      openBridgeEnvelope(new Uint8Array([0xff, 0xff]), V3);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).details["wireCode"]).toMatch(/^E_WIRE_/);
  });
});
