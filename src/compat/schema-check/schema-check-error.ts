import { CompatError } from "../../errors/index.js";

export type SchemaCheckErrorCode =
  /** A schema directory is missing, not a directory, or holds no .proto file. */
  | "E_SCHEMA_DIR_INVALID"
  /** A .proto file does not parse or compile (protobufjs or buf said so; the message says where). */
  | "E_SCHEMA_INVALID"
  /** The buf binary is not installed where it is looked for, or cannot be executed. */
  | "E_TOOL_MISSING"
  /** buf ran but failed, hung past its timeout, or printed something that is not its JSON format. */
  | "E_TOOL_FAILED";

/**
 * Why a schema check could not run at all. Breaking changes are not errors: they are findings in the
 * report. Layer "compat"; the CLI maps every code here to exit status 2 (the check did not run).
 */
export class SchemaCheckError extends CompatError<SchemaCheckErrorCode> {
  readonly layer = "compat" as const;
}
