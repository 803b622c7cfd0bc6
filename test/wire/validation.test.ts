import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFixtures, fromFixtureJson, REPO_ROOT } from "../../scripts/make-fixtures.js";
import {
  MAX_CHUNK_SIZE,
  MAX_COMMUNITY_DESCRIPTION_BYTES,
  MAX_FEATURES,
  MAX_PIECES,
  MAX_SEGMENTS,
  WireError,
  decodePayload,
  encodeEnvelope,
  encodePayload,
  openEnvelope,
  type PayloadKind,
  type PayloadViews,
} from "../../src/wire/index.js";
import { messageOf } from "../../src/wire/payload-kinds.js";
import { decodeRaw } from "../../src/wire/raw-codec.js";
import { schemaFor, type MessageName } from "../../src/wire/schema-registry.js";
import { ascii, brokenBytes, encodeUnchecked } from "./support/views.js";

const FILES = buildFixtures();
function view<K extends PayloadKind>(kind: K, version: number): PayloadViews[K] {
  const json = JSON.parse(String(FILES.get(`fixtures/v${version}/${kind}.json`))) as { view: unknown };
  return fromFixtureJson(json.view) as PayloadViews[K];
}

function caught(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw new Error(`expected a WireError, got ${String(err)}`);
  }
  throw new Error("expected a WireError, nothing was thrown");
}

const U64_MAX = "18446744073709551615";
const bytes = (n: number) => new Uint8Array(n).fill(7);

interface Case {
  readonly name: string;
  readonly kind: PayloadKind;
  readonly version: number;
  readonly field: string;
  readonly change: (pb: Record<string, any>) => void;
}

const CASES: Case[] = [
  { name: "community id of 32 bytes", kind: "community-description", version: 1, field: "communityId", change: (pb) => (pb.communityId = bytes(32)) },
  { name: "community id not a compressed key", kind: "community-description", version: 2, field: "communityId", change: (pb) => (pb.communityId = new Uint8Array(33).fill(4)) },
  { name: "clock 0", kind: "community-description", version: 3, field: "clock", change: (pb) => (pb.clock = 0) },
  { name: "clock above 2^53", kind: "community-description", version: 1, field: "clock", change: (pb) => (pb.clock = U64_MAX) },
  { name: "empty description", kind: "community-description", version: 1, field: "description", change: (pb) => (pb.description = new Uint8Array(0)) },
  { name: "signature of 64 bytes", kind: "community-description", version: 2, field: "signature", change: (pb) => (pb.signature = bytes(64)) },
  { name: "segment index past the count", kind: "segment", version: 1, field: "index", change: (pb) => (pb.index = pb.segmentsCount) },
  { name: "no segment count", kind: "segment", version: 2, field: "segmentsCount", change: (pb) => (pb.segmentsCount = 0) },
  { name: "too many segments", kind: "segment", version: 3, field: "segmentsCount", change: (pb) => (pb.segmentsCount = MAX_SEGMENTS + 1) },
  { name: "segment hash of 31 bytes", kind: "segment", version: 1, field: "entireMessageHash", change: (pb) => (pb.entireMessageHash = bytes(31)) },
  { name: "inline attachment without data", kind: "inline-attachment", version: 1, field: "data", change: (pb) => (pb.data = new Uint8Array(0)) },
  { name: "inline file name with a directory", kind: "inline-attachment", version: 2, field: "fileName", change: (pb) => (pb.fileName = "../../.ssh/authorized_keys") },
  { name: "inline MIME type without subtype", kind: "inline-attachment", version: 3, field: "mime", change: (pb) => (pb.mime = "text") },
  { name: "no pieces", kind: "file-reference", version: 2, field: "pieces", change: (pb) => (pb.pieces = []) },
  {
    name: "more pieces than the cap",
    kind: "file-reference",
    version: 2,
    field: "pieces",
    change: (pb) => (pb.pieces = Array.from({ length: MAX_PIECES + 1 }, () => pb.pieces[0])),
  },
  { name: "piece CID not base58btc", kind: "file-reference", version: 2, field: "pieces[1].cid", change: (pb) => (pb.pieces[1].cid = ascii("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")) },
  { name: "piece CID with a character outside base58", kind: "file-reference", version: 3, field: "pieces[0].cid", change: (pb) => (pb.pieces[0].cid = ascii("z0OIl" + "a".repeat(40))) },
  { name: "piece CID with bytes that are not UTF-8", kind: "file-reference", version: 2, field: "pieces[0].cid", change: (pb) => (pb.pieces[0].cid = Uint8Array.from([0x7a, ...Array(40).fill(0xff)])) },
  { name: "piece CID too long", kind: "file-reference", version: 3, field: "pieces[2].cid", change: (pb) => (pb.pieces[2].cid = ascii("z" + "a".repeat(128))) },
  { name: "piece size 0", kind: "file-reference", version: 2, field: "pieces[0].size", change: (pb) => (pb.pieces[0].size = 0) },
  { name: "piece sha256 of 33 bytes", kind: "file-reference", version: 2, field: "pieces[0].sha256", change: (pb) => (pb.pieces[0].sha256 = bytes(33)) },
  { name: "piece index out of place", kind: "file-reference", version: 3, field: "pieces[1].index", change: (pb) => (pb.pieces[1].index = 5) },
  { name: "piece offset not the sum of earlier sizes", kind: "file-reference", version: 3, field: "pieces[2].offset", change: (pb) => (pb.pieces[2].offset = 1) },
  { name: "piece offset above 2^53", kind: "file-reference", version: 3, field: "pieces[1].offset", change: (pb) => (pb.pieces[1].offset = U64_MAX) },
  { name: "no encryption", kind: "file-reference", version: 2, field: "encryption", change: (pb) => delete pb.encryption },
  { name: "unknown encryption scheme", kind: "file-reference", version: 2, field: "encryption.scheme", change: (pb) => (pb.encryption.scheme = 2) },
  { name: "no encryption scheme", kind: "file-reference", version: 3, field: "encryption.scheme", change: (pb) => (pb.encryption.scheme = 0) },
  { name: "content key of 16 bytes", kind: "file-reference", version: 2, field: "encryption.key", change: (pb) => (pb.encryption.key = bytes(16)) },
  { name: "nonce prefix of 8 bytes", kind: "file-reference", version: 3, field: "encryption.noncePrefix", change: (pb) => (pb.encryption.noncePrefix = bytes(8)) },
  { name: "chunk size over the cap", kind: "file-reference", version: 2, field: "encryption.chunkSize", change: (pb) => (pb.encryption.chunkSize = MAX_CHUNK_SIZE + 1) },
  { name: "plaintext size above 2^53", kind: "file-reference", version: 2, field: "plaintextSize", change: (pb) => (pb.plaintextSize = U64_MAX) },
  { name: "file name with a bidi override", kind: "file-reference", version: 2, field: "fileName", change: (pb) => (pb.fileName = "invoice\u202Efdp.exe") },
  { name: "file name over 255 bytes", kind: "file-reference", version: 3, field: "fileName", change: (pb) => (pb.fileName = "é".repeat(128)) },
  { name: "file name '..'", kind: "file-reference", version: 3, field: "fileName", change: (pb) => (pb.fileName = "..") },
  { name: "MIME type with a control character", kind: "file-reference", version: 2, field: "mime", change: (pb) => (pb.mime = "text/plain\r\nX: y") },
  // 137 characters but 377 UTF-8 bytes: over MAX_MIME_BYTES, and MIME parameters are ASCII (RFC 2045; RFC 2231 encodes others).
  { name: "MIME type over 255 bytes in a quoted parameter", kind: "file-reference", version: 3, field: "mime", change: (pb) => (pb.mime = `text/plain; a="${"€".repeat(125)}"`) },
  { name: "MIME type with a bidi override in a quoted parameter", kind: "inline-attachment", version: 2, field: "mime", change: (pb) => (pb.mime = 'image/png; name="gnp\u202E.exe"') },
  { name: "MIME type with a C1 control in a quoted parameter", kind: "file-reference", version: 2, field: "mime", change: (pb) => (pb.mime = 'text/plain; a="\u0085"') },
  { name: "plaintext sha256 missing", kind: "file-reference", version: 2, field: "plaintextSha256", change: (pb) => delete pb.plaintextSha256 },
  { name: "uploadedAt above 2^53", kind: "file-reference", version: 3, field: "uploadedAt", change: (pb) => (pb.uploadedAt = U64_MAX) },
  { name: "pointer CID missing", kind: "cd-pointer", version: 2, field: "cid", change: (pb) => (pb.cid = ascii("")) },
  { name: "pointer size over the description cap", kind: "cd-pointer", version: 2, field: "size", change: (pb) => (pb.size = MAX_COMMUNITY_DESCRIPTION_BYTES + 1) },
  { name: "pointer content hash of 20 bytes", kind: "cd-pointer", version: 3, field: "contentHash", change: (pb) => (pb.contentHash = bytes(20)) },
  { name: "pointer superseding a newer clock", kind: "cd-pointer", version: 3, field: "supersedesClock", change: (pb) => (pb.supersedesClock = pb.clock) },
  { name: "pointer superseded CID without a clock", kind: "cd-pointer", version: 3, field: "supersedesClock", change: (pb) => (pb.supersedesClock = 0) },
  { name: "pointer superseded CID invalid", kind: "cd-pointer", version: 3, field: "supersedesCid", change: (pb) => (pb.supersedesCid = ascii("not-a-cid")) },
];

describe("validation of untrusted bytes", () => {
  for (const c of CASES) {
    it(`v${c.version} ${c.kind}: ${c.name} is E_WIRE_INVALID_FIELD naming ${c.field}`, () => {
      const input = brokenBytes(c.kind, view(c.kind, c.version), c.version, c.change);
      const err = caught(() => decodePayload(c.kind, input, c.version));
      expect(err.code).toBe("E_WIRE_INVALID_FIELD");
      expect(err.details).toMatchObject({ message: messageOf(c.kind), field: c.field });
      expect(err.message).toContain(c.field);
    });
  }

  it("never puts key material or hashes in the error (lengths only)", () => {
    const v = view("file-reference", 2);
    const input = brokenBytes("file-reference", v, 2, (pb) => (pb.encryption.key = v.encryption.key.subarray(0, 31)));
    const err = caught(() => decodePayload("file-reference", input, 2));
    const text = JSON.stringify(err.toJSON());
    expect(text).not.toContain(Buffer.from(v.encryption.key.subarray(0, 8)).toString("hex"));
    expect(err.details).toMatchObject({ expected: 32, actual: 31 });
  });

  it("refuses more sender features than the cap, and feature names outside the allowed characters", () => {
    const payload = encodePayload("segment", view("segment", 2), 2);
    const base = { version: 2, minReader: 1, type: 2, payload, fallbackText: "" };
    const many = encodeUnchecked("Envelope", { ...base, sender: { minVersion: 1, maxVersion: 2, features: Array(MAX_FEATURES + 1).fill(ascii("x")) } }, 2);
    expect(caught(() => openEnvelope(many, { min: 1, max: 2 })).details).toMatchObject({ message: "Capabilities", field: "features" });
    const odd = encodeUnchecked("Envelope", { ...base, sender: { minVersion: 1, maxVersion: 2, features: [ascii("Bad Name")] } }, 2);
    expect(caught(() => openEnvelope(odd, { min: 1, max: 2 })).details).toMatchObject({ field: "features[0]" });
  });
});

describe("writers are held to the readers' rules", () => {
  it("refuses to encode a view a reader would refuse, naming the field", () => {
    const v = view("file-reference", 3);
    const broken = { ...v, encryption: { ...v.encryption, noncePrefix: bytes(12) } };
    expect(caught(() => encodePayload("file-reference", broken, 3)).details.field).toBe("encryption.noncePrefix");
    const wrongIndex = { ...v, pieces: v.pieces.map((p, i) => ({ ...p, index: i + 1 })) };
    expect(caught(() => encodePayload("file-reference", wrongIndex, 3)).details.field).toBe("pieces[0].index");
    expect(caught(() => encodePayload("file-reference", { ...v, plaintextSize: 2 ** 53 }, 3)).details.field).toBe("plaintextSize");
    expect(caught(() => encodePayload("file-reference", { ...v, fileName: "a/b" }, 2)).details.field).toBe("fileName");
  });

  it("fills a version 3 piece index and offset from list order when the writer leaves them out", () => {
    const v = view("file-reference", 3);
    const bare = { ...v, pieces: v.pieces.map(({ cid, size, sha256 }) => ({ cid, size, sha256 })) };
    expect(decodePayload("file-reference", encodePayload("file-reference", bare, 3), 3)).toEqual(v);
  });

  it("a version-N encoder writes only fields version N has", () => {
    const v3 = view("file-reference", 3);
    for (const version of [2, 3]) {
      const raw = decodeRaw(schemaFor(3)!.type("FileReference")!, encodePayload("file-reference", v3, version), "FileReference");
      expect(raw.$unknowns ?? []).toEqual([]);
      expect(Object.hasOwn(raw, "uploadedAt")).toBe(version === 3);
    }
    const v1 = view("inline-attachment", 1);
    const raw = decodeRaw(schemaFor(1)!.type("InlineAttachment")!, encodePayload("inline-attachment", v1, 2), "InlineAttachment");
    expect(raw.$unknowns ?? []).toEqual([]);
    expect(Object.hasOwn(raw, "thumbnail")).toBe(false);
  });
});

/** `// @required` fields of every .proto file, as (version, message, camelCase field). */
function requiredFields(): Array<{ version: number; message: MessageName; field: string }> {
  const out: Array<{ version: number; message: MessageName; field: string }> = [];
  for (const dir of readdirSync(join(REPO_ROOT, "proto/status/storage"))) {
    const version = Number(dir.slice(1));
    for (const file of readdirSync(join(REPO_ROOT, "proto/status/storage", dir))) {
      let message = "";
      let required = false;
      for (const line of readFileSync(join(REPO_ROOT, "proto/status/storage", dir, file), "utf8").split("\n")) {
        const m = /^message (\w+)/.exec(line);
        if (m) message = m[1]!;
        if (line.includes("@required")) required = true;
        const f = /^\s+(?:repeated\s+)?[\w.]+\s+(\w+)\s*=\s*\d+;/.exec(line);
        if (f && required) {
          out.push({ version, message: message as MessageName, field: f[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) });
        }
        if (f || line.trim() === "}") required = false;
      }
    }
  }
  return out;
}

/** Where each message sits inside a fixture, to remove one field from it. */
const HOSTS: Record<MessageName, { fixture: string; path: Array<string | number> }> = {
  Envelope: { fixture: "envelope-segment", path: [] },
  Capabilities: { fixture: "envelope-segment", path: ["sender"] },
  SignedCommunityDescription: { fixture: "community-description", path: [] },
  Segment: { fixture: "segment", path: [] },
  InlineAttachment: { fixture: "inline-attachment", path: [] },
  FileReference: { fixture: "file-reference", path: [] },
  Encryption: { fixture: "file-reference", path: ["encryption"] },
  Piece: { fixture: "file-reference", path: ["pieces", 0] },
  CommunityDescriptionPointer: { fixture: "cd-pointer", path: [] },
};

/** Proto3 cannot tell a first segment (index 0) from an unset index, so that one rule is range-only. */
const ZERO_IS_A_VALUE = new Set(["Segment.index"]);

describe("every // @required field of the .proto files", () => {
  const fields = requiredFields();

  it("is found in the schemas (the list is not empty and names real fields)", () => {
    expect(fields.length).toBeGreaterThan(40);
    for (const f of fields) expect(schemaFor(f.version)!.hasField(f.message, f.field), `${f.message}.${f.field}`).toBe(true);
  });

  it("makes the reader reject the message without it, naming the field", () => {
    for (const f of fields) {
      if (ZERO_IS_A_VALUE.has(`${f.message}.${f.field}`)) continue;
      const host = HOSTS[f.message];
      const bin = FILES.get(`fixtures/v${f.version}/${host.fixture}.bin`)!;
      const kind = (JSON.parse(String(FILES.get(`fixtures/v${f.version}/${host.fixture}.json`))) as { kind: string }).kind;
      const hostMessage: MessageName = kind === "envelope" ? "Envelope" : messageOf(kind as PayloadKind);
      const type = schemaFor(f.version)!.type(hostMessage)!;
      const pb = type.toObject(type.decode(new Uint8Array(bin)), { defaults: false }) as Record<string, any>;
      let target: Record<string, any> = pb;
      for (const step of host.path) target = target[step];
      delete target[f.field];
      const broken = type.encode(type.fromObject(pb)).finish();
      const err = caught(() =>
        kind === "envelope" ? openEnvelope(broken, { min: Math.max(1, f.version - 1), max: f.version }) : decodePayload(kind as PayloadKind, broken, f.version),
      );
      expect(err.code, `${f.message}.${f.field} v${f.version}`).toBe("E_WIRE_INVALID_FIELD");
      expect(String(err.details.field), `${f.message}.${f.field} v${f.version}`).toMatch(new RegExp(`(^|\\.)${f.field}$`));
    }
  });
});

describe("structure errors", () => {
  const cases: Array<[string, number[], string]> = [
    ["a length prefix past the end", [0x0a, 0x05, 0x01], "E_WIRE_TRUNCATED"],
    ["a length prefix that never ends", [0x0a, 0x80], "E_WIRE_TRUNCATED"],
    ["a tag that never ends", [0x80], "E_WIRE_TRUNCATED"],
    ["a 2 GiB length prefix", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x01], "E_WIRE_TRUNCATED"],
    ["a start-group without its end", [0x0b, 0x08, 0x01], "E_WIRE_TRUNCATED"],
    ["wire type 7", [0x0f, 0x00], "E_WIRE_MALFORMED"],
    ["field number 0", [0x00, 0x01], "E_WIRE_MALFORMED"],
    ["a stray end-group", [0x0c], "E_WIRE_MALFORMED"],
    ["a nested message longer than its field", [0x0a, 0x02, 0x0a, 0x05], "E_WIRE_MALFORMED"],
    ["invalid UTF-8 in a string", [0x22, 0x02, 0xff, 0xfe], "E_WIRE_MALFORMED"],
    ["200 nested groups, never closed", [...Array(200).fill(0x0b)], "E_WIRE_MALFORMED"],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} is ${code}`, () => {
      expect(caught(() => decodePayload("file-reference", new Uint8Array(input), 2)).code).toBe(code);
    });
  }

  it("groups cut short are E_WIRE_TRUNCATED at every depth protobufjs reads (101 levels), E_WIRE_MALFORMED once deeper: as protobufjs decides", () => {
    const type = schemaFor(2)!.type("FileReference")!;
    /** protobufjs's own verdict on `input`: it runs out of bytes (RangeError), or refuses them otherwise. */
    const protobufjsCode = (input: Uint8Array) => {
      try {
        type.decode(input);
        return "accepted";
      } catch (err) {
        return err instanceof RangeError ? "E_WIRE_TRUNCATED" : "E_WIRE_MALFORMED";
      }
    };
    for (let depth = 1; depth <= 106; depth++) {
      // `depth` groups of field 15, a varint field inside the innermost, all closed.
      const whole = [...Array<number>(depth).fill(0x7b), 0x78, 0x01, ...Array<number>(depth).fill(0x7c)];
      for (let cut = 1; cut < whole.length; cut++) {
        const input = Uint8Array.from(whole.slice(0, cut));
        const expected = protobufjsCode(input);
        expect(expected, `${depth} groups cut at ${cut}`).not.toBe("accepted");
        expect(caught(() => decodePayload("file-reference", input, 2)).code, `${depth} groups cut at ${cut}`).toBe(expected);
      }
    }
  });

  it("deeply nested groups that do close are E_WIRE_MALFORMED, without a stack overflow", () => {
    const depth = 5000;
    const input = new Uint8Array([...Array(depth).fill(0x4b), ...Array(depth).fill(0x4c)]);
    expect(caught(() => decodePayload("file-reference", input, 2)).code).toBe("E_WIRE_MALFORMED");
  });

  it("an empty input is E_WIRE_TRUNCATED, and what is not bytes is E_WIRE_MALFORMED", () => {
    expect(caught(() => decodePayload("segment", new Uint8Array(0), 1)).code).toBe("E_WIRE_TRUNCATED");
    expect(caught(() => decodePayload("segment", "0a00" as unknown as Uint8Array, 1)).code).toBe("E_WIRE_MALFORMED");
    expect(caught(() => openEnvelope(null as unknown as Uint8Array, { min: 1, max: 1 })).code).toBe("E_WIRE_MALFORMED");
  });

  it("a huge claimed length is truncation, not an allocation", () => {
    const input = new Uint8Array([0x0a, 0xfe, 0xff, 0xff, 0xff, 0x07, 0x01, 0x02]);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) expect(caught(() => openEnvelope(input, { min: 1, max: 3 })).code).toBe("E_WIRE_TRUNCATED");
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 2 ** 20);
  });

  it("accepts a Node Buffer and returns plain Uint8Array fields", () => {
    const bin = Buffer.from(FILES.get("fixtures/v2/segment.bin")!);
    const segment = decodePayload("segment", bin, 2);
    expect(segment.payload.constructor).toBe(Uint8Array);
    const env = encodeEnvelope({ version: 2, type: "segment", payload: bin, fallbackText: "" });
    expect(openEnvelope(Buffer.from(env), { min: 1, max: 2 }).envelope.payload.constructor).toBe(Uint8Array);
  });
});
