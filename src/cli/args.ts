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
    parsed = parseArgs({ args: negativeValuesJoined(args, options), options, strict: true, allowPositionals, tokens: true });
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

/**
 * `--rows -1` as `--rows=-1`: parseArgs refuses a value that starts with a dash before the command
 * sees it ("argument is ambiguous … use '--rows=-XYZ'"), which says nothing of what the flag takes.
 * A number after a flag that takes a value is that flag's value, so the command's own check of it
 * answers (`--lock-timeout -1`, `--cell-timeout -5`, `--rows -1`). Anything else starting with a
 * dash stays parseArgs' to judge (a forgotten value before another option).
 */
function negativeValuesJoined(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return joined.concat(args.slice(i));
    const next = args[i + 1];
    if (arg.startsWith("--") && !arg.includes("=") && options[arg.slice(2)]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new CliError("E_USAGE", `${command}: --${name} is required (see --help)`);
  return value;
}
