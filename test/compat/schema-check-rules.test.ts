import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSchemaPair, SCHEMA_RULES } from "../../src/compat/index.js";
import { locateDeclarations } from "../../src/compat/schema-check/locate-declarations.js";
import { signednessChanged, wireCompatible } from "../../src/compat/schema-check/field-types.js";
import type { FieldModel } from "../../src/compat/schema-check/schema-model.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const field = (type: string, extra: Partial<FieldModel> = {}): FieldModel => ({
  name: "f",
  number: 1,
  type,
  kind: /^[a-z0-9]+$/.test(type) ? "scalar" : "message",
  cardinality: "singular",
  explicitPresence: false,
  required: false,
  ...extra,
});

describe("locateDeclarations", () => {
  it("finds the line of every message, nested message, enum, field and enum value, skipping options and strings", () => {
    const source = [
      'syntax = "proto3";', //                                   1
      "package status.storage;", //                              2
      "message Outer {", //                                      3
      '  option (my.opt) = { a: 1 };', //                        4
      "  message Inner {", //                                    5
      '    string name = 1 [json_name = "n {"];', //             6
      "  }", //                                                  7
      "  oneof choice {", //                                     8
      "    Inner inner = 2;", //                                 9
      "    bytes raw = 3;", //                                  10
      "  }", //                                                 11
      "  map<string, int32> counts = 4;", //                    12
      '  reserved 5, 6; reserved "old";', //                    13
      "  enum Kind { option allow_alias = true; KIND_UNSPECIFIED = 0;", // 14
      "    KIND_NEG = -1; }", //                                15
      "  string message = 7;", //                               16
      "}", //                                                   17
      "service Api { rpc Call(Outer) returns (Outer) { option idempotency_level = 1; } }", // 18
    ].join("\n");
    const lines = locateDeclarations(source);
    expect(lines.packageLine).toBe(2);
    expect(Object.fromEntries(lines.types)).toEqual({ Outer: 3, "Outer.Inner": 5, "Outer.Kind": 14 });
    expect(Object.fromEntries(lines.members)).toEqual({
      "Outer.Inner#name": 6,
      "Outer#inner": 9,
      "Outer#raw": 10,
      "Outer#counts": 12,
      "Outer.Kind#KIND_UNSPECIFIED": 14,
      "Outer.Kind#KIND_NEG": 15,
      "Outer#message": 16,
    });
  });
});

describe("field type compatibility", () => {
  it("follows protobuf's wire classes, cardinality and type identity", () => {
    expect(wireCompatible(field("int32"), field("uint64"))).toBe(true);
    expect(wireCompatible(field("string"), field("bytes"))).toBe(true);
    expect(wireCompatible(field("fixed32"), field("sfixed32"))).toBe(true);
    expect(wireCompatible(field("int32"), field("sint32"))).toBe(false);
    expect(wireCompatible(field("float"), field("fixed32"))).toBe(false);
    expect(wireCompatible(field("int64"), field("string"))).toBe(false);
    expect(wireCompatible(field("string"), field("string", { cardinality: "repeated" }))).toBe(false);
    expect(wireCompatible(field("a.Piece"), field("a.Piece"))).toBe(true);
    expect(wireCompatible(field("a.Piece"), field("a.Chunk"))).toBe(false);
    expect(wireCompatible(field("a.Piece"), field("b.Piece"), (n) => n.replace(/^a\./, "b."))).toBe(true);
    expect(wireCompatible(field("a.Kind", { kind: "enum" }), field("int32"))).toBe(false);
  });

  it("flags a signedness change only within one wire class", () => {
    expect(signednessChanged(field("uint32"), field("int32"))).toBe(true);
    expect(signednessChanged(field("fixed64"), field("sfixed64"))).toBe(true);
    expect(signednessChanged(field("int32"), field("int64"))).toBe(false);
    expect(signednessChanged(field("int32"), field("sint32"))).toBe(false);
    expect(signednessChanged(field("bool"), field("uint32"))).toBe(false);
  });

  it("is reflexive and symmetric for any two scalar fields, and a sign change never crosses wire classes", () => {
    const scalar = fc.constantFrom(
      "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
      "sfixed32", "sfixed64", "bool", "float", "double", "string", "bytes",
    );
    const model = fc.record({ type: scalar, cardinality: fc.constantFrom("singular" as const, "repeated" as const) }).map((x) => field(x.type, x));
    fc.assert(
      fc.property(model, model, (a, b) => {
        expect(wireCompatible(a, a)).toBe(true);
        expect(wireCompatible(a, b)).toBe(wireCompatible(b, a));
        expect(signednessChanged(a, b)).toBe(signednessChanged(b, a));
        // A sign change is a change within one wire class: same cardinality means wire compatible.
        if (signednessChanged(a, b) && a.cardinality === b.cardinality) expect(wireCompatible(a, b)).toBe(true);
      }),
    );
  });
});

describe("project rules without buf", () => {
  it("stand in for buf's type check with FIELD_TYPE_CHANGED and mark the pair as not run by buf", async () => {
    const broken = join(PROJECT_ROOT, "fixtures", "broken", "wire-type-change");
    const report = await checkSchemaPair({ dir: join(broken, "old") }, { dir: join(broken, "new") }, { buf: false });
    expect(report.pairs[0]?.buf).toBe("skipped");
    expect(report.findings.map((f) => f.rule).sort()).toEqual([
      "FIELD_TYPE_CHANGED",
      "REQUIRED_FIELD_DROPPED_FOR_OLDER_READER",
      "REQUIRED_FIELD_MISSING_IN_OLDER_WRITER",
    ]);
  });

  it("accept a removed payload message once the older version marked it @retired, and a renumbered field is reported as moved", async () => {
    const dir = tempDir();
    const write = (side: string, text: string): string => {
      mkdirSync(join(dir, side), { recursive: true });
      writeFileSync(join(dir, side, "a.proto"), `syntax = "proto3";\npackage p;\n${text}`);
      return join(dir, side);
    };
    const older = write("old", "// @retired\nmessage Gone { string a = 1; }\nmessage Kept { string name = 1; }\n");
    const newer = write("new", "message Kept { reserved 1; string name = 2; }\n");
    const report = await checkSchemaPair({ dir: older }, { dir: newer }, { buf: false });
    expect(report.findings.map((f) => f.rule)).toEqual([]);
    const unreserved = write("new2", "message Kept { string name = 2; }\n");
    const moved = await checkSchemaPair({ dir: older }, { dir: unreserved }, { buf: false });
    expect(moved.findings.map((f) => f.rule)).toEqual(["FIELD_REMOVED_NUMBER_NOT_RESERVED"]);
    expect(moved.findings[0]?.message).toContain("moved from number 1 to 2");
  });
});

describe("docs/schema-check.md", () => {
  it("documents every project rule id", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "schema-check.md"), "utf8");
    for (const id of Object.keys(SCHEMA_RULES)) expect(doc, id).toContain(`\`${id}\``);
  });
});
