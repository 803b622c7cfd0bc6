import type { Severity } from "../finding.js";

export interface RuleDescription {
  readonly severity: Severity;
  /** One line: what the rule requires. */
  readonly summary: string;
  /** Why it matters for N <-> N+1 and why buf does not catch it. */
  readonly why: string;
}

/**
 * The project's own rules, beside buf's WIRE and WIRE_JSON. Ids are stable (CI and docs refer to
 * them); docs/schema-check.md explains each with an example.
 */
export const SCHEMA_RULES = {
  PACKAGE_CHANGED: {
    severity: "error",
    summary: "every version folder keeps the same protobuf package",
    why: "buf pairs messages by full name; when the package and the file path both change it compares nothing and passes",
  },
  FIELD_REMOVED_NUMBER_NOT_RESERVED: {
    severity: "error",
    summary: "a removed field's number is reserved",
    why: "a later version could reuse the number with another meaning; old peers and stored data would misread it",
  },
  FIELD_REMOVED_NAME_NOT_RESERVED: {
    severity: "error",
    summary: "a removed field's name is reserved",
    why: "a later version could reuse the name for another number; JSON and text formats would misread it",
  },
  ENUM_VALUE_REMOVED_NUMBER_NOT_RESERVED: {
    severity: "error",
    summary: "a removed enum value's number is reserved",
    why: "a later version could give the number another meaning that old readers act on",
  },
  ENUM_VALUE_REMOVED_NAME_NOT_RESERVED: {
    severity: "error",
    summary: "a removed enum value's name is reserved",
    why: "JSON carries enum values by name",
  },
  REQUIRED_FIELD_MISSING_IN_OLDER_WRITER: {
    severity: "error",
    summary: "a field the newer reader requires (@required) exists in the older writer with the same number, name and a compatible type",
    why: "otherwise the newer reader rejects every message the older release writes; buf has no notion of application-level required",
  },
  REQUIRED_FIELD_OPTIONAL_IN_OLDER_WRITER: {
    severity: "warning",
    summary: "a field the newer reader requires is not required by the older version",
    why: "older writers may leave it unset; the newer reader then rejects their messages",
  },
  REQUIRED_FIELD_DROPPED_FOR_OLDER_READER: {
    severity: "error",
    summary: "a field the older reader requires is still in the newer writer, same number, name and compatible type",
    why: "otherwise the older reader rejects every message the newer release writes; buf passes a removal once it is reserved",
  },
  REQUIRED_FIELD_RELAXED_IN_NEWER: {
    severity: "warning",
    summary: "a field the older reader requires is no longer required by the newer version",
    why: "newer writers must keep setting it while the older release is in the window",
  },
  ROOT_MESSAGE_REMOVED: {
    severity: "error",
    summary: "a top-level payload message (not used as any field's type) is only removed once the older version marks it @retired",
    why: "the newer release can no longer decode what the older one writes; buf's WIRE rules do not look at message deletion",
  },
  FIELD_SIGNEDNESS_CHANGED: {
    severity: "error",
    summary: "an integer field keeps its signedness (int32/uint32, int64/uint64, fixed32/sfixed32, fixed64/sfixed64)",
    why: "both encodings share a wire type and a JSON form, so buf passes it, but negative and large values change meaning",
  },
  FIELD_PRESENCE_CHANGED: {
    severity: "warning",
    summary: "a scalar field keeps its presence (proto3 `optional` or not)",
    why: "a reader that tests presence sees 'unset' where the other side meant zero; buf treats both as wire compatible",
  },
  FIELD_TYPE_CHANGED: {
    severity: "error",
    summary: "a field keeps a wire-compatible type and cardinality (checked by the project only when buf did not compare the pair)",
    why: "stands in for buf's FIELD_WIRE_COMPATIBLE_TYPE/CARDINALITY when the package changed (buf paired nothing) or buf was not run",
  },
  CHAIN_FIELD_NUMBER_REUSED: {
    severity: "error",
    summary: "across the whole chain of versions a field number never comes back with another name, type or cardinality",
    why: "per-pair checks miss a field deleted in one version and re-added differently after its message was dropped and restored",
  },
  CHAIN_FIELD_NAME_REUSED: {
    severity: "error",
    summary: "across the whole chain of versions a field name never comes back with another number",
    why: "JSON readers of the older version would misread the newer field",
  },
  CHAIN_ENUM_VALUE_REUSED: {
    severity: "error",
    summary: "across the whole chain an enum number never comes back with another name, nor a name with another number",
    why: "per-pair checks miss reuse across a version where the enum or value was absent",
  },
} as const satisfies Record<string, RuleDescription>;

export type ProjectRuleId = keyof typeof SCHEMA_RULES;
