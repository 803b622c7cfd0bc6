import { spawn } from "node:child_process";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import {
  MAX_COMMUNITY_DESCRIPTION_BYTES,
  MAX_UNKNOWN_FIELDS,
  WireError,
  decodeForForwarding,
  decodePayload,
  encodeSignedCommunityDescription,
  encodePayload,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { decodeRaw, type PbObject } from "../../src/wire/raw-codec.js";
import { schemaFor } from "../../src/wire/schema-registry.js";
import { countUnknownFields } from "../../src/wire/unknown-field-count.js";
import type protobuf from "protobufjs/light.js";
import { anyPayload } from "./support/arbitraries.js";
import { fieldMutation, randomFrom, variant, variantSeed } from "./support/wire-variants.js";
import { nodeArgs } from "../support/node-args.js";

/** A heap a phone can spare for one message: several times the largest message, far below what a flood costs protobufjs. */
const HEAP_MB = 128;

function decodeInChild(path: "read" | "forward", kind: string, size: number, valid = false): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, ...nodeArgs("test/wire/support/unknown-flood-child.ts"), path, kind, String(size), valid ? "valid" : ""],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill("SIGTERM"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

describe("a message of nothing but tiny unknown fields", () => {
  it(
    `is refused within a ${HEAP_MB} MiB heap when read: a ${MAX_COMMUNITY_DESCRIPTION_BYTES / 2 ** 20} MiB community description of 8M unknown fields`,
    async () => {
      const result = await decodeInChild("read", "community-description", MAX_COMMUNITY_DESCRIPTION_BYTES);
      expect(result, "the decoder ran out of memory").toMatchObject({ code: 0, signal: null });
      expect(JSON.parse(result.stdout)).toEqual({ code: "E_WIRE_INVALID_FIELD", field: "communityId" });
    },
    90_000,
  );

  it(
    `is refused for forwarding before protobufjs keeps them: a valid description followed by 8M unknown fields, within a ${HEAP_MB} MiB heap`,
    async () => {
      const result = await decodeInChild("forward", "community-description", MAX_COMMUNITY_DESCRIPTION_BYTES, true);
      expect(result, "the decoder ran out of memory").toMatchObject({ code: 0, signal: null });
      expect(JSON.parse(result.stdout)).toEqual({ code: "E_WIRE_TOO_LARGE" });
    },
    90_000,
  );

  it("is forwarded when there are MAX_UNKNOWN_FIELDS of them, byte for byte", () => {
    const communityId = new Uint8Array(33).fill(7);
    communityId[0] = 0x02;
    const head = encodeSignedCommunityDescription(
      { communityId, clock: 1, description: new Uint8Array(100).fill(1), signature: new Uint8Array(65).fill(9) },
      3,
    );
    const withUnknown = (n: number) => {
      const bytes = new Uint8Array(head.length + 2 * n);
      bytes.set(head, 0);
      for (let i = head.length; i < bytes.length; i += 2) bytes[i] = 0x78;
      return bytes;
    };
    const atCap = withUnknown(MAX_UNKNOWN_FIELDS);
    const node = decodeForForwarding("community-description", atCap, { written: 3, reader: 3 });
    expect(node.unknownFields).toBe(MAX_UNKNOWN_FIELDS);
    expect(node.encode()).toEqual(atCap);
    let refused: unknown;
    try {
      decodeForForwarding("community-description", withUnknown(MAX_UNKNOWN_FIELDS + 1), { written: 3, reader: 3 });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("E_WIRE_TOO_LARGE");
    expect((refused as WireError).details).toMatchObject({ unknownFields: MAX_UNKNOWN_FIELDS + 1, cap: MAX_UNKNOWN_FIELDS });
    // Reading keeps none of them, so reading has no such cap.
    expect(decodePayload("community-description", withUnknown(MAX_UNKNOWN_FIELDS + 1), 3).clock).toBe(1);
  });
});

/** Unknown fields protobufjs kept in `pb`, over every depth (what forwarding re-emits). */
function keptUnknown(type: protobuf.Type, pb: PbObject): number {
  let n = Array.isArray(pb.$unknowns) ? pb.$unknowns.length : 0;
  for (const field of type.fieldsArray) {
    const nested = field.resolvedType as protobuf.Type | null;
    const value = pb[field.name];
    if (nested === null || !("fieldsArray" in nested) || value === null || typeof value !== "object") continue;
    for (const item of Array.isArray(value) ? value : [value]) n += keptUnknown(nested, item as PbObject);
  }
  return n;
}

describe("countUnknownFields", () => {
  test.prop([anyPayload(3), fc.constantFrom(1, 2, 3), variantSeed, fc.boolean()], { numRuns: 300 })(
    "counts exactly the unknown fields protobufjs keeps, for any reader, on re-encoded and mutated messages",
    ({ kind, view }, reader, seed, mutate) => {
      fc.pre(kind !== "file-reference" && kind !== "cd-pointer" ? true : reader >= 2);
      const message = messageOf(kind);
      const type = schemaFor(reader)!.type(message)!;
      const canonical = encodePayload(kind, view, 3);
      const rand = randomFrom(seed);
      const bytes = mutate ? fieldMutation(message, variant(message, canonical, rand), rand) : variant(message, canonical, rand);
      let pb: PbObject;
      try {
        pb = decodeRaw(type, bytes, message);
      } catch {
        return; // malformed: the decode refuses it whatever the count says
      }
      expect(countUnknownFields(type, bytes, Number.MAX_SAFE_INTEGER)).toBe(keptUnknown(type, pb));
    },
  );
});

describe("an unknown group ahead of a flood of unknown fields", () => {
  const communityId = new Uint8Array(33).fill(7);
  communityId[0] = 0x02;
  const head = encodeSignedCommunityDescription(
    { communityId, clock: 1, description: new Uint8Array(100).fill(1), signature: new Uint8Array(65).fill(9) },
    3,
  );
  /** The head, a group of field 15 holding `inside` (start 0x7b, end 0x7c), then `after` tiny unknown fields (`78 00`). */
  const withGroup = (inside: number[], after: number) => {
    const group = [0x7b, ...inside, 0x7c];
    const bytes = new Uint8Array(head.length + group.length + 2 * after);
    bytes.set(head, 0);
    bytes.set(group, head.length);
    for (let i = head.length + group.length; i < bytes.length; i += 2) bytes[i] = 0x78;
    return bytes;
  };

  it("does not hide them from the forwarding cap: protobufjs keeps every field after the group", () => {
    const flood = withGroup([0x78, 0x00], MAX_UNKNOWN_FIELDS);
    let refused: unknown;
    try {
      decodeForForwarding("community-description", flood, { written: 3, reader: 3 });
    } catch (err) {
      refused = err;
    }
    expect(refused, "the flood after the group was kept to forward").toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("E_WIRE_TOO_LARGE");
    expect((refused as WireError).details).toMatchObject({ unknownFields: MAX_UNKNOWN_FIELDS + 1, cap: MAX_UNKNOWN_FIELDS });
  });

  it("does not hide them behind a group nested as deep as protobufjs reads (101 levels at the top)", () => {
    const deepest = 101;
    const inside = [...Array<number>(deepest - 1).fill(0x7b), ...Array<number>(deepest - 1).fill(0x7c)];
    const type = schemaFor(3)!.type("SignedCommunityDescription")!;
    // protobufjs reads this depth (and keeps the group as one field), so the count must see past it.
    expect(keptUnknown(type, decodeRaw(type, withGroup(inside, 2), "SignedCommunityDescription"))).toBe(3);
    let refused: unknown;
    try {
      decodeForForwarding("community-description", withGroup(inside, MAX_UNKNOWN_FIELDS), { written: 3, reader: 3 });
    } catch (err) {
      refused = err;
    }
    expect(refused, "the flood after the deep group was kept to forward").toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("E_WIRE_TOO_LARGE");
  });

  it("is counted as protobufjs keeps it: one field for the whole group, nested groups included, then each field after it", () => {
    const type = schemaFor(3)!.type("SignedCommunityDescription")!;
    // A nested group of field 14 (0x73 ... 0x74) with a field inside, and fields of every wire type.
    const inside = [0x73, 0x78, 0x00, 0x74, 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 0x7a, 0x01, 0xff, 0x7d, 1, 2, 3, 4];
    for (const after of [0, 1, 5]) {
      const bytes = withGroup(inside, after);
      const pb = decodeRaw(type, bytes, "SignedCommunityDescription");
      expect(keptUnknown(type, pb)).toBe(1 + after);
      expect(countUnknownFields(type, bytes, Number.MAX_SAFE_INTEGER)).toBe(1 + after);
    }
    const node = decodeForForwarding("community-description", withGroup(inside, 3), { written: 3, reader: 3 });
    expect(node.encode()).toEqual(withGroup(inside, 3));
  });
});

describe("an unknown varint longer than 10 bytes ahead of a flood of unknown fields", () => {
  const communityId = new Uint8Array(33).fill(7);
  communityId[0] = 0x02;
  const head = encodeSignedCommunityDescription(
    { communityId, clock: 1, description: new Uint8Array(100).fill(1), signature: new Uint8Array(65).fill(9) },
    3,
  );
  /** The head, field 15 as a varint of `length` bytes (protobufjs skips one of any length), then `after` tiny unknown fields. */
  const withLongVarint = (length: number, after: number) => {
    const varint = [0x78, ...Array<number>(length - 1).fill(0x80), 0x01];
    const bytes = new Uint8Array(head.length + varint.length + 2 * after);
    bytes.set(head, 0);
    bytes.set(varint, head.length);
    for (let i = head.length + varint.length; i < bytes.length; i += 2) bytes[i] = 0x78;
    return bytes;
  };

  it("is counted as protobufjs keeps it (one field), and every field after it too", () => {
    const type = schemaFor(3)!.type("SignedCommunityDescription")!;
    for (const length of [10, 11, 40]) {
      const bytes = withLongVarint(length, 3);
      expect(keptUnknown(type, decodeRaw(type, bytes, "SignedCommunityDescription")), `a ${length}-byte varint`).toBe(4);
      expect(countUnknownFields(type, bytes, Number.MAX_SAFE_INTEGER), `a ${length}-byte varint`).toBe(4);
    }
  });

  it("does not hide them from the forwarding cap", () => {
    let refused: unknown;
    try {
      decodeForForwarding("community-description", withLongVarint(11, MAX_UNKNOWN_FIELDS), { written: 3, reader: 3 });
    } catch (err) {
      refused = err;
    }
    expect(refused, "the flood after the long varint was kept to forward").toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe("E_WIRE_TOO_LARGE");
    expect((refused as WireError).details).toMatchObject({ unknownFields: MAX_UNKNOWN_FIELDS + 1, cap: MAX_UNKNOWN_FIELDS });
  });
});
