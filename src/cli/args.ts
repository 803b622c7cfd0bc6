import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./usage-error.js";
import { unknownOptionMessage } from "./unknown-option.js";

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
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals, tokens: true });
  } catch (error) {
    const unknown = (error as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1] : undefined;
    if (unknown !== undefined) throw new CliError("E_USAGE", unknownOptionMessage(command, unknown, args, Object.keys(options), allowPositionals), { cause: error });
    throw new CliError("E_USAGE", `${command}: ${(error as Error).message} (see --help)`, { cause: error });
  }
  // parseArgs keeps the last of two values; the other, typed too, would be dropped without a word
  // (migrate up --db a --db b migrated b). The same value twice is harmless, and so is a switch.
  const seen = new Map<string, string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option" || token.value === undefined || options[token.name]?.multiple === true) continue;
    const before = seen.get(token.name);
    if (before !== undefined && before !== token.value) {
      throw new CliError("E_USAGE", `${command}: --${token.name} is given twice ("${before}", "${token.value}"); give it once (see --help)`);
    }
    seen.set(token.name, token.value);
  }
  const { tokens: _tokens, ...result } = parsed;
  return result as ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new CliError("E_USAGE", `${command}: --${name} is required (see --help)`);
  return value;
}
