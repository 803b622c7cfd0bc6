import type { ProjectRuleId } from "./rules/catalog.js";

export type Severity = "error" | "warning";

/** One thing the check found. Errors make the check fail; warnings are for a person to judge. */
export interface Finding {
  /** A project rule id (see SCHEMA_RULES) or buf's rule id (FIELD_WIRE_COMPATIBLE_TYPE, …). */
  readonly rule: ProjectRuleId | (string & {});
  /** Who found it: buf breaking (WIRE, WIRE_JSON) or this project's own rules. */
  readonly source: "buf" | "project";
  readonly severity: Severity;
  /** The two versions compared (labels as given); for chain findings, the two versions that conflict. */
  readonly between: { readonly old: string; readonly new: string };
  /** `pair` for a comparison of two adjacent versions, `chain` for the transitive rules. */
  readonly scope: "pair" | "chain";
  /** Absolute path of the .proto file the finding points at. */
  readonly file: string;
  readonly line?: number;
  /** Fully qualified message or enum (`status.storage.Envelope`), when known. */
  readonly symbol?: string;
  /** Field or enum value name, when the finding is about one. */
  readonly field?: string;
  readonly message: string;
}

export interface ComparedPair {
  readonly old: { readonly label: string; readonly dir: string };
  readonly new: { readonly label: string; readonly dir: string };
  /** Whether buf breaking ran on this pair (it does unless the caller turned it off). */
  readonly buf: "ran" | "skipped";
}

export interface SchemaCheckReport {
  /** No finding of severity error. */
  readonly ok: boolean;
  readonly pairs: readonly ComparedPair[];
  /** Version labels in order when the transitive chain rules ran, else absent. */
  readonly chain?: readonly string[];
  readonly findings: readonly Finding[];
  readonly counts: { readonly errors: number; readonly warnings: number };
}
