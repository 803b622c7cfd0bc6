import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./usage-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs with strict checking, turning its TypeError into a CliError (exit 2) that
 * names the command, so every command reports bad flags the same way.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new CliError("E_USAGE", `${command}: ${(error as Error).message} (see --help)`, { cause: error });
  }
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new CliError("E_USAGE", `${command}: --${name} is required (see --help)`);
  return value;
}
