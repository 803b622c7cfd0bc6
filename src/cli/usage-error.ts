import { CompatError } from "../errors/index.js";

export type CliErrorCode = "E_USAGE" | "E_TOOL_MISSING";

/** Wrong arguments or a missing external tool: exit status 2. */
export class CliError extends CompatError<CliErrorCode> {
  readonly layer = "cli" as const;
}

// hasErrorCode narrows a cli code to CliError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    cli: CliError;
  }
}
