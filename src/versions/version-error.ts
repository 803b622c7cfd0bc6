import { CompatError } from "../errors/index.js";

export type VersionErrorCode =
  /** Not a semver release string at all ("banana", "0.2"). */
  | "E_RELEASE_INVALID"
  /** A valid string with no row in the release table (older than the first row, newer than the last). */
  | "E_RELEASE_UNKNOWN"
  /** The release table itself is malformed (schema or ordering rules). */
  | "E_RELEASE_TABLE_INVALID"
  /** A protocol version no row of the table speaks. */
  | "E_PROTOCOL_UNKNOWN";

export class VersionError extends CompatError<VersionErrorCode> {
  readonly layer = "versions" as const;
}

// hasErrorCode narrows a versions code to VersionError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    versions: VersionError;
  }
}
