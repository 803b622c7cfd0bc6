import type { FieldModel } from "./schema-model.js";

/** How a scalar travels on the wire; types in different classes never read each other. */
type WireClass = "varint" | "zigzag" | "fixed32" | "fixed64" | "float" | "double" | "length-delimited";

const SCALARS: Readonly<Record<string, { wire: WireClass; signed?: boolean }>> = {
  int32: { wire: "varint", signed: true },
  int64: { wire: "varint", signed: true },
  uint32: { wire: "varint", signed: false },
  uint64: { wire: "varint", signed: false },
  bool: { wire: "varint" },
  sint32: { wire: "zigzag", signed: true },
  sint64: { wire: "zigzag", signed: true },
  fixed32: { wire: "fixed32", signed: false },
  sfixed32: { wire: "fixed32", signed: true },
  fixed64: { wire: "fixed64", signed: false },
  sfixed64: { wire: "fixed64", signed: true },
  float: { wire: "float" },
  double: { wire: "double" },
  string: { wire: "length-delimited" },
  bytes: { wire: "length-delimited" },
};

export function isScalarType(type: string): boolean {
  return Object.hasOwn(SCALARS, type);
}

/**
 * Whether a reader declaring `b` reads what a writer declaring `a` wrote, by protobuf's wire rules:
 * scalars of one wire class; the same message or enum (names compared after `renameType`, which maps
 * the older package onto the newer one); the same cardinality. Enums only match the same enum: an
 * enum and an int32 share a wire class but not a meaning.
 */
export function wireCompatible(a: FieldModel, b: FieldModel, renameType: (name: string) => string = (n) => n): boolean {
  if (a.cardinality !== b.cardinality) return false;
  if (a.cardinality === "map" && a.mapKey !== b.mapKey) return false;
  if (a.kind === "scalar" && b.kind === "scalar") return SCALARS[a.type]?.wire === SCALARS[b.type]?.wire;
  if (a.kind !== b.kind) return false;
  return renameType(a.type) === b.type;
}

/** Same wire class, one signed and one unsigned: both wire and JSON pass, the values do not. */
export function signednessChanged(a: FieldModel, b: FieldModel): boolean {
  if (a.kind !== "scalar" || b.kind !== "scalar") return false;
  const x = SCALARS[a.type];
  const y = SCALARS[b.type];
  if (x === undefined || y === undefined || x.wire !== y.wire) return false;
  if (x.signed === undefined || y.signed === undefined) return false;
  return x.signed !== y.signed;
}

export function describeField(f: FieldModel): string {
  const type = f.cardinality === "map" ? `map<${f.mapKey ?? "?"}, ${f.type}>` : f.cardinality === "repeated" ? `repeated ${f.type}` : f.type;
  return `${type} ${f.name} = ${f.number}`;
}
