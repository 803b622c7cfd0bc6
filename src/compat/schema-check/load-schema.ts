import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import protobuf from "protobufjs";
import { isScalarType } from "./field-types.js";
import { listProtoFiles } from "./list-proto-files.js";
import { locateDeclarations, type DeclarationLines } from "./locate-declarations.js";
import { SchemaCheckError } from "./schema-check-error.js";
import type { EnumModel, FieldKind, FieldModel, MessageModel, ProtoFileModel, SchemaModel } from "./schema-model.js";

/** A .proto file larger than this is not a hand-written schema. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const REQUIRED_TAG = /(^|\s)@required\b/;
const RETIRED_TAG = /(^|\s)@retired\b/;

interface ParsedFile {
  readonly model: ProtoFileModel;
  readonly lines: DeclarationLines;
}

/**
 * Parses every .proto file of one version folder with protobufjs (comments kept, names as written)
 * and reduces it to a SchemaModel. Syntax errors, duplicate definitions and type references that
 * resolve nowhere in the folder (or protobuf's well-known types) are E_SCHEMA_INVALID.
 */
export function loadSchema(dir: string, label: string): SchemaModel {
  const absDir = resolve(dir);
  const paths = listProtoFiles(absDir);
  const root = new protobuf.Root();
  const owner = new Map<protobuf.ReflectionObject, ParsedFile>();
  const addedCommon = new Set<string>();
  const files: ParsedFile[] = [];

  for (const path of paths) {
    const source = readSource(absDir, path);
    let parsed: protobuf.IParserResult;
    try {
      parsed = protobuf.parse(source, root, { keepCase: true, alternateCommentMode: true });
    } catch (error) {
      throw new SchemaCheckError("E_SCHEMA_INVALID", `${join(absDir, path)}: ${(error as Error).message}`, {
        cause: error,
        details: { dir: absDir, file: path },
      });
    }
    const lines = locateDeclarations(source);
    const model: ProtoFileModel = {
      path,
      package: parsed.package ?? "",
      ...(lines.packageLine === undefined ? {} : { packageLine: lines.packageLine }),
    };
    const file: ParsedFile = { model, lines };
    files.push(file);
    claimNewDefinitions(root, owner, file);
    for (const imported of parsed.imports ?? []) addWellKnownType(root, imported, addedCommon);
  }

  try {
    // Resolves type references and protobuf editions features (field presence) across the folder.
    root.resolveAll();
  } catch (error) {
    throw new SchemaCheckError("E_SCHEMA_INVALID", `${absDir}: ${(error as Error).message}`, { cause: error, details: { dir: absDir } });
  }

  const messages = new Map<string, MessageModel>();
  const enums = new Map<string, EnumModel>();
  const referenced = new Set<string>();
  const declarationsAt = new Map<string, { symbol: string; field?: string }>();
  for (const [object, file] of owner) {
    if (object instanceof protobuf.Type) {
      const message = messageModel(object, file, referenced);
      messages.set(message.fullName, message);
      if (message.line !== undefined) declarationsAt.set(`${file.model.path}:${message.line}`, { symbol: message.fullName });
      for (const f of message.fields) {
        if (f.line !== undefined) declarationsAt.set(`${file.model.path}:${f.line}`, { symbol: message.fullName, field: f.name });
      }
    } else if (object instanceof protobuf.Enum) {
      const e = enumModel(object, file);
      enums.set(e.fullName, e);
      if (e.line !== undefined) declarationsAt.set(`${file.model.path}:${e.line}`, { symbol: e.fullName });
      for (const v of e.values) {
        if (v.line !== undefined) declarationsAt.set(`${file.model.path}:${v.line}`, { symbol: e.fullName, field: v.name });
      }
    }
  }

  return {
    label,
    dir: absDir,
    files: files.map((f) => f.model),
    packages: [...new Set(files.map((f) => f.model.package))].sort(),
    messages,
    enums,
    referencedMessages: referenced,
    declarationsAt,
  };
}

function readSource(dir: string, path: string): string {
  const full = join(dir, path);
  try {
    if (statSync(full).size > MAX_FILE_BYTES) {
      throw new SchemaCheckError("E_SCHEMA_INVALID", `${full} is larger than ${MAX_FILE_BYTES} bytes; not a schema file`, {
        details: { dir, file: path },
      });
    }
    return readFileSync(full, "utf8");
  } catch (error) {
    if (error instanceof SchemaCheckError) throw error;
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `cannot read ${full}: ${(error as Error).message}`, {
      cause: error,
      details: { dir, file: path },
    });
  }
}

/** protobufjs does not record which file a definition came from: whatever is new after a parse is that file's. */
function claimNewDefinitions(ns: protobuf.NamespaceBase, owner: Map<protobuf.ReflectionObject, ParsedFile>, file: ParsedFile): void {
  for (const nested of ns.nestedArray) {
    if ((nested instanceof protobuf.Type || nested instanceof protobuf.Enum) && !owner.has(nested)) owner.set(nested, file);
    if (nested instanceof protobuf.Namespace) claimNewDefinitions(nested, owner, file);
  }
}

/** google/protobuf/*.proto imports resolve to protobufjs's bundled copies (never attributed to a file). */
function addWellKnownType(root: protobuf.Root, imported: string, added: Set<string>): void {
  if (added.has(imported)) return;
  const json = protobuf.common.get(imported);
  if (json?.nested === undefined) return;
  added.add(imported);
  root.addJSON(json.nested);
}

function relativeName(fullName: string, pkg: string): string {
  return pkg === "" ? fullName : fullName.slice(pkg.length + 1);
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}

function messageModel(type: protobuf.Type, file: ParsedFile, referenced: Set<string>): MessageModel {
  const fullName = stripDot(type.fullName);
  const rel = relativeName(fullName, file.model.package);
  const parent = type.parent instanceof protobuf.Type ? stripDot(type.parent.fullName) : undefined;
  const fields = type.fieldsArray.map((field) => fieldModel(type, field, file, rel, referenced));
  const { ranges, names } = splitReserved(type.reserved);
  const line = file.lines.types.get(rel);
  return {
    fullName,
    ...(parent === undefined ? {} : { parent }),
    file: file.model.path,
    ...(line === undefined ? {} : { line }),
    fields,
    reservedRanges: ranges,
    reservedNames: names,
    retired: RETIRED_TAG.test(type.comment ?? ""),
  };
}

function fieldModel(
  owner: protobuf.Type,
  field: protobuf.Field,
  file: ParsedFile,
  ownerRel: string,
  referenced: Set<string>,
): FieldModel {
  let kind: FieldKind = "scalar";
  let type = field.type;
  if (!isScalarType(field.type)) {
    const target = owner.lookup(field.type, [protobuf.Type, protobuf.Enum]);
    if (target instanceof protobuf.Type) {
      kind = "message";
      type = stripDot(target.fullName);
      referenced.add(type);
    } else if (target instanceof protobuf.Enum) {
      kind = "enum";
      type = stripDot(target.fullName);
    } else {
      kind = "unresolved";
    }
  }
  const isMap = field instanceof protobuf.MapField;
  const syntheticOneof = field.options?.["proto3_optional"] === true;
  const oneof = field.partOf !== null && !syntheticOneof ? field.partOf.name : undefined;
  const line = file.lines.members.get(`${ownerRel}#${field.name}`);
  return {
    name: field.name,
    number: field.id,
    type,
    kind,
    cardinality: isMap ? "map" : field.repeated ? "repeated" : "singular",
    ...(isMap ? { mapKey: (field as protobuf.MapField).keyType } : {}),
    explicitPresence: !isMap && !field.repeated && (kind === "message" || Boolean(field.hasPresence)),
    ...(oneof === undefined ? {} : { oneof }),
    required: REQUIRED_TAG.test(field.comment ?? ""),
    ...(line === undefined ? {} : { line }),
  };
}

function enumModel(e: protobuf.Enum, file: ParsedFile): EnumModel {
  const fullName = stripDot(e.fullName);
  const rel = relativeName(fullName, file.model.package);
  const { ranges, names } = splitReserved(e.reserved);
  const line = file.lines.types.get(rel);
  return {
    fullName,
    file: file.model.path,
    ...(line === undefined ? {} : { line }),
    values: Object.entries(e.values).map(([name, number]) => {
      const valueLine = file.lines.members.get(`${rel}#${name}`);
      return { name, number, ...(valueLine === undefined ? {} : { line: valueLine }) };
    }),
    reservedRanges: ranges,
    reservedNames: names,
  };
}

function splitReserved(reserved: Array<number[] | string> | undefined): {
  ranges: Array<readonly [number, number]>;
  names: string[];
} {
  const ranges: Array<readonly [number, number]> = [];
  const names: string[] = [];
  for (const r of reserved ?? []) {
    if (typeof r === "string") names.push(r);
    else if (Array.isArray(r) && r.length === 2) ranges.push([r[0]!, r[1]!] as const);
  }
  return { ranges, names };
}
