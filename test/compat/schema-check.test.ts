import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkSchemaChain,
  checkSchemaPair,
  listVersionDirs,
  projectProtoRoot,
  resolveBufBinary,
  SchemaCheckError,
  type SchemaCheckReport,
} from "../../src/compat/index.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const BROKEN = join(PROJECT_ROOT, "fixtures", "broken");

interface Case {
  name: string;
  ok: boolean;
  /** Exactly the `source:rule` pairs the check must report, no more. */
  rules: string[];
}

const CASES: Case[] = [
  {
    name: "field-deleted-unreserved",
    ok: false,
    rules: [
      "buf:FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
      "buf:FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
      "project:FIELD_REMOVED_NUMBER_NOT_RESERVED",
      "project:FIELD_REMOVED_NAME_NOT_RESERVED",
    ],
  },
  { name: "number-reserved-not-name", ok: false, rules: ["buf:FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "project:FIELD_REMOVED_NAME_NOT_RESERVED"] },
  {
    name: "wire-type-change",
    ok: false,
    rules: [
      "buf:FIELD_WIRE_COMPATIBLE_TYPE",
      "buf:FIELD_WIRE_JSON_COMPATIBLE_TYPE",
      "project:REQUIRED_FIELD_MISSING_IN_OLDER_WRITER",
      "project:REQUIRED_FIELD_DROPPED_FOR_OLDER_READER",
    ],
  },
  { name: "field-renamed", ok: false, rules: ["buf:FIELD_SAME_NAME", "buf:FIELD_SAME_JSON_NAME"] },
  { name: "json-name-changed", ok: false, rules: ["buf:FIELD_SAME_JSON_NAME"] },
  {
    name: "package-change-with-path-change",
    ok: false,
    rules: [
      "project:PACKAGE_CHANGED",
      "project:FIELD_REMOVED_NUMBER_NOT_RESERVED",
      "project:FIELD_REMOVED_NAME_NOT_RESERVED",
      "project:REQUIRED_FIELD_DROPPED_FOR_OLDER_READER",
      "project:REQUIRED_FIELD_MISSING_IN_OLDER_WRITER",
      "project:FIELD_TYPE_CHANGED",
    ],
  },
  { name: "required-missing-in-older-writer", ok: false, rules: ["project:REQUIRED_FIELD_MISSING_IN_OLDER_WRITER"] },
  { name: "required-optional-in-older-writer", ok: true, rules: ["project:REQUIRED_FIELD_OPTIONAL_IN_OLDER_WRITER"] },
  { name: "required-dropped-for-older-reader", ok: false, rules: ["project:REQUIRED_FIELD_DROPPED_FOR_OLDER_READER"] },
  {
    name: "enum-value-removed-unreserved",
    ok: false,
    rules: [
      "buf:ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
      "buf:ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
      "project:ENUM_VALUE_REMOVED_NUMBER_NOT_RESERVED",
      "project:ENUM_VALUE_REMOVED_NAME_NOT_RESERVED",
    ],
  },
  { name: "cardinality-change", ok: false, rules: ["buf:FIELD_WIRE_COMPATIBLE_CARDINALITY", "buf:FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY"] },
  { name: "signedness-change", ok: false, rules: ["project:FIELD_SIGNEDNESS_CHANGED"] },
  { name: "root-message-removed", ok: false, rules: ["project:ROOT_MESSAGE_REMOVED"] },
  { name: "presence-change", ok: true, rules: ["project:FIELD_PRESENCE_CHANGED"] },
  { name: "reserved-removed", ok: false, rules: ["buf:RESERVED_MESSAGE_NO_DELETE"] },
];

const pair = (name: string): Promise<SchemaCheckReport> =>
  checkSchemaPair({ dir: join(BROKEN, name, "old"), label: "old" }, { dir: join(BROKEN, name, "new"), label: "new" });

const rulesOf = (report: SchemaCheckReport): string[] => [...new Set(report.findings.map((f) => `${f.source}:${f.rule}`))].sort();

describe("schema check: the project's own versions", () => {
  it("finds v1 -> v2 and v2 -> v3 clean, each pair and the chain", async () => {
    const root = projectProtoRoot();
    const versions = listVersionDirs(root);
    expect(versions.map((v) => v.label)).toEqual(["v1", "v2", "v3"]);
    const chain = await checkSchemaChain(versions);
    expect(chain.findings).toEqual([]);
    expect(chain.ok).toBe(true);
    expect(chain.chain).toEqual(["v1", "v2", "v3"]);
    expect(chain.pairs.map((p) => `${p.old.label}->${p.new.label}:${p.buf}`)).toEqual(["v1->v2:ran", "v2->v3:ran"]);
  });
});

describe("schema check: every broken fixture is caught by the expected rules", () => {
  it.each(CASES)("$name", async ({ name, ok, rules }) => {
    const report = await pair(name);
    expect(rulesOf(report)).toEqual([...rules].sort());
    expect(report.ok).toBe(ok);
    expect(report.counts.errors + report.counts.warnings).toBe(report.findings.length);
    for (const f of report.findings) {
      expect(f.between).toEqual({ old: "old", new: "new" });
      expect(f.scope).toBe("pair");
      expect(f.file.startsWith(join(BROKEN, name))).toBe(true);
      expect(f.message.length).toBeGreaterThan(10);
    }
  });

  it("points findings at the right file, line, symbol and field", async () => {
    const deleted = await pair("field-deleted-unreserved");
    for (const f of deleted.findings) {
      expect(f).toMatchObject({
        file: join(BROKEN, "field-deleted-unreserved", "new", "attachment.proto"),
        line: 6,
        symbol: "status.storage.InlineAttachment",
        field: "thumbnail",
      });
    }
    const [signed] = (await pair("signedness-change")).findings;
    expect(signed).toMatchObject({ line: 27, symbol: "status.storage.Capabilities", field: "min_version", severity: "error" });
    const [required] = (await pair("required-missing-in-older-writer")).findings;
    expect(required).toMatchObject({ symbol: "status.storage.Piece", field: "index", line: 38 });
    const [root] = (await pair("root-message-removed")).findings;
    expect(root).toMatchObject({ file: join(BROKEN, "root-message-removed", "old", "community.proto"), line: 37 });
  });

  it("shows the silent-pass trap: buf alone reports nothing when package and path change", async () => {
    const report = await pair("package-change-with-path-change");
    expect(report.pairs[0]?.buf).toBe("ran");
    expect(report.findings.filter((f) => f.source === "buf")).toEqual([]);
    const pkg = report.findings.find((f) => f.rule === "PACKAGE_CHANGED");
    expect(pkg?.message).toContain('"status.storage"');
    expect(pkg?.message).toContain('"status.storage.v3"');
  });

  it("catches a field number reused across the chain that every adjacent pair lets through", async () => {
    const root = join(BROKEN, "number-reused-across-chain");
    const report = await checkSchemaChain(listVersionDirs(root));
    expect(report.findings.filter((f) => f.scope === "pair")).toEqual([]);
    expect(rulesOf(report)).toEqual(["project:CHAIN_ENUM_VALUE_REUSED", "project:CHAIN_FIELD_NAME_REUSED", "project:CHAIN_FIELD_NUMBER_REUSED"]);
    expect(report.ok).toBe(false);
    const reuse = report.findings.find((f) => f.rule === "CHAIN_FIELD_NUMBER_REUSED" && f.field === "caption");
    expect(reuse).toMatchObject({ scope: "chain", between: { old: "v2", new: "v4" }, symbol: "status.storage.Preview", line: 15 });
  });
});

describe("schema check: when it cannot run", () => {
  const schemaCheckError = async (run: () => Promise<unknown>): Promise<SchemaCheckError> => {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaCheckError);
    return error as SchemaCheckError;
  };
  const v2 = { dir: join(PROJECT_ROOT, "proto/status/storage/v2") };

  it("refuses a missing folder or one without .proto files", async () => {
    const empty = tempDir();
    expect((await schemaCheckError(() => checkSchemaPair(v2, { dir: join(empty, "nope") }))).code).toBe("E_SCHEMA_DIR_INVALID");
    expect((await schemaCheckError(() => checkSchemaPair(v2, { dir: empty }))).code).toBe("E_SCHEMA_DIR_INVALID");
  });

  it("refuses a schema that does not parse or resolve, naming the file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.proto"), 'syntax = "proto3";\nmessage A { int32 a = ; }\n');
    const parse = await schemaCheckError(() => checkSchemaPair(v2, { dir }));
    expect(parse.code).toBe("E_SCHEMA_INVALID");
    expect(parse.message).toContain("bad.proto");
    writeFileSync(join(dir, "bad.proto"), 'syntax = "proto3";\nmessage A { Missing a = 1; }\n');
    expect((await schemaCheckError(() => checkSchemaPair(v2, { dir }))).code).toBe("E_SCHEMA_INVALID");
  });

  it("reports buf's compile errors as E_SCHEMA_INVALID, not as breaking changes", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.proto"), 'syntax = "proto3";\npackage status.storage;\nenum E { E_ONE = 1; }\n');
    const e = await schemaCheckError(() => checkSchemaPair(v2, { dir }));
    expect(e.code).toBe("E_SCHEMA_INVALID");
    expect(e.message).toContain("first value of open enum must be zero");
  });

  it("says E_TOOL_MISSING when buf is not installed or the given binary is absent", async () => {
    const elsewhere = tempDir();
    const from = pathToFileURL(join(elsewhere, "index.js")).href;
    expect(() => resolveBufBinary({ from })).toThrow(expect.objectContaining({ code: "E_TOOL_MISSING" }));
    const missing = await schemaCheckError(() => checkSchemaPair(v2, v2, { buf: { binary: join(elsewhere, "buf") } }));
    expect(missing.code).toBe("E_TOOL_MISSING");
    expect(missing.message).toContain("--buf");
    expect(resolveBufBinary()).toMatch(/buf$/);
  });

  it("says E_TOOL_FAILED when buf fails, prints garbage, or hangs past its timeout; an abort rejects with its reason", async () => {
    const dir = tempDir();
    const script = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const failing = script("fails", "echo 'Failure: something broke' >&2\nexit 3");
    const garbage = script("garbage", "echo 'not json'\nexit 100");
    const hanging = script("hangs", "exec sleep 30");
    const failed = await schemaCheckError(() => checkSchemaPair(v2, v2, { buf: { binary: failing } }));
    expect(failed.code).toBe("E_TOOL_FAILED");
    expect(failed.message).toContain("something broke");
    expect((await schemaCheckError(() => checkSchemaPair(v2, v2, { buf: { binary: garbage } }))).code).toBe("E_TOOL_FAILED");
    const slow = await schemaCheckError(() => checkSchemaPair(v2, v2, { buf: { binary: hanging, timeoutMs: 300 } }));
    expect(slow.code).toBe("E_TOOL_FAILED");
    expect(slow.message).toContain("did not finish");
    const controller = new AbortController();
    const reason = new Error("operator cancelled");
    setTimeout(() => controller.abort(reason), 100);
    await expect(checkSchemaPair(v2, v2, { buf: { binary: hanging }, signal: controller.signal })).rejects.toBe(reason);
  });

  it("wants at least two versions for a chain", async () => {
    expect((await schemaCheckError(() => checkSchemaChain([v2]))).code).toBe("E_SCHEMA_DIR_INVALID");
  });

  it("reads nested folders and ignores dot-folders", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "status", "storage"), { recursive: true });
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "junk.proto"), "not a schema");
    writeFileSync(join(dir, "status", "storage", "a.proto"), 'syntax = "proto3";\npackage status.storage;\nmessage A { string a = 1; }\n');
    const report = await checkSchemaPair({ dir }, { dir }, { buf: false });
    expect(report.ok).toBe(true);
  });
});
