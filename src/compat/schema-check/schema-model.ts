/**
 * A version folder's schema, reduced to what the compatibility rules compare. Built from the real
 * protobuf parser (load-schema.ts); plain data so rules stay small and testable.
 */

export type FieldKind = "scalar" | "enum" | "message" | "unresolved";

export interface FieldModel {
  readonly name: string;
  readonly number: number;
  /** A scalar type name, or the full name of the message/enum, or the text as written when unresolved. */
  readonly type: string;
  readonly kind: FieldKind;
  readonly cardinality: "singular" | "repeated" | "map";
  /** Map fields only. */
  readonly mapKey?: string;
  /** Explicit presence (proto3 `optional`, proto2 labels, message fields, oneof members). */
  readonly explicitPresence: boolean;
  /** The real oneof it belongs to (not proto3 `optional`'s synthetic one). */
  readonly oneof?: string;
  /** Its comment says `@required`: readers reject the message without it. */
  readonly required: boolean;
  readonly line?: number;
}

export interface MessageModel {
  readonly fullName: string;
  /** Full name of the enclosing message, for nested ones. */
  readonly parent?: string;
  /** Path relative to the version folder, `/`-separated. */
  readonly file: string;
  readonly line?: number;
  readonly fields: readonly FieldModel[];
  readonly reservedRanges: ReadonlyArray<readonly [number, number]>;
  readonly reservedNames: readonly string[];
  /** Its comment says `@retired`: this version no longer writes it, so the next may remove it. */
  readonly retired: boolean;
}

export interface EnumValueModel {
  readonly name: string;
  readonly number: number;
  readonly line?: number;
}

export interface EnumModel {
  readonly fullName: string;
  readonly file: string;
  readonly line?: number;
  readonly values: readonly EnumValueModel[];
  readonly reservedRanges: ReadonlyArray<readonly [number, number]>;
  readonly reservedNames: readonly string[];
}

export interface ProtoFileModel {
  readonly path: string;
  readonly package: string;
  readonly packageLine?: number;
}

export interface SchemaModel {
  /** Label used in findings (`v2`, or the folder as the user wrote it). */
  readonly label: string;
  /** Absolute path of the version folder. */
  readonly dir: string;
  readonly files: readonly ProtoFileModel[];
  /** Distinct packages, sorted. */
  readonly packages: readonly string[];
  readonly messages: ReadonlyMap<string, MessageModel>;
  readonly enums: ReadonlyMap<string, EnumModel>;
  /** Full names of the messages some field uses as its type (the others are payload roots). */
  readonly referencedMessages: ReadonlySet<string>;
  /** `file:line` to what is declared there, to name the symbol of a buf finding. */
  readonly declarationsAt: ReadonlyMap<string, { readonly symbol: string; readonly field?: string }>;
}

export function isReserved(ranges: ReadonlyArray<readonly [number, number]>, n: number): boolean {
  return ranges.some(([lo, hi]) => n >= lo && n <= hi);
}
