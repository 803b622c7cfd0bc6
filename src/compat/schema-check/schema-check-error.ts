import { CompatError } from "../../errors/index.js";

export type SchemaCheckErrorCode =
  /** A schema directory is missing, not a directory, or holds no .proto file. */
  | "E_SCHEMA_DIR_INVALID"
  /** A .proto file does not parse or compile (protobufjs or buf said so; the message says where). */
  | "E_SCHEMA_INVALID"
  /** The buf binary is not installed where it is looked for, or cannot be executed. */
  | "E_TOOL_MISSING"
  /** buf ran but failed, hung past its timeout, or printed something that is not its JSON format. */
  | "E_TOOL_FAILED"
  /**
   * runMatrix() could not make its own work folder in the OS temp folder (TMPDIR missing, a file,
   * read-only, full): details `path` (that folder) and `code` (the OS's). Nothing was run.
   */
  | "E_WORK_DIR";

/**
 * Why a schema check, or the matrix, could not run at all: the compat layer's error class. Breaking
 * changes and broken pairs are not errors: they are findings in the report. Layer "compat"; the CLI
 * maps the codes here to exit status 2 (the check did not run), E_WORK_DIR to 4 (the disk refused).
 */
export class SchemaCheckError extends CompatError<SchemaCheckErrorCode> {
  readonly layer = "compat" as const;
}

// hasErrorCode narrows a compat code to SchemaCheckError (src/errors cannot import this layer).
declare module "../../errors/index.js" {
  interface CompatErrorClasses {
    compat: SchemaCheckError;
  }
}
