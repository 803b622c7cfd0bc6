import { readFileSync } from "node:fs";
import type { CliIo, CommandEntry } from "./command.js";
import { commands } from "./commands/index.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { isCompatError } from "../errors/index.js";

function packageVersion(): string {
  // Two levels up from src/cli (sources) or dist/src/cli (built): the package root is found by walking.
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "status-codex-compat" && pkg.version !== undefined) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return "unknown";
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  const lines = commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`);
  return `status-compat ${packageVersion()}: keeps consecutive Status releases interoperating over Waku and Codex

Usage: status-compat <command> [options]        status-compat <command> --help

Commands:
${lines.join("\n")}

Results go to stdout, progress and logs (pino JSON, level from STATUS_COMPAT_LOG_LEVEL) to stderr.
Exit: 0 ok, 1 a check failed, 2 usage, 3 bad input, 4 state refused, 5 storage failure, 70 internal error,
130 interrupted (Ctrl-C; 143 SIGTERM, 129 SIGHUP), 141 stdout closed early.
`;
}

/** The command whose path is the longest prefix of argv. */
function findCommand(argv: string[]): { command: CommandEntry; rest: string[] } | undefined {
  let best: { command: CommandEntry; rest: string[] } | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((word, i) => argv[i] === word)) {
      if (best === undefined || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

/** The commands under a first word that is not a command itself (`file` → `file put`, `file get`). */
function groupOf(word: string | undefined): CommandEntry[] {
  return commands.filter((c) => c.path.length > 1 && c.path[0] === word);
}

/** Each command of a group by its synopsis (the first line of its usage) and summary. */
async function groupUsage(group: readonly CommandEntry[]): Promise<string> {
  const usages = await Promise.all(group.map((c) => c.usage()));
  const lines = group.map((c, i) => `  ${((usages[i] as string).split("\n")[0] ?? "").trim()}\n      ${c.summary}`);
  const first = group[0] as CommandEntry;
  return `Commands:\n${lines.join("\n")}\n\nstatus-compat ${first.path.join(" ")} --help (and so on) shows a command's options.\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  // `help file put` is `file put --help`. A word that names nothing is said as typed: passed on, it
  // was reported as the unknown command "nope --help".
  if (argv[0] === "help" && argv.length > 1) {
    const asked = argv.slice(1);
    const group = groupOf(asked[0]);
    if (findCommand(asked) !== undefined || (group.length > 0 && asked.length === 1)) return main([...asked, "--help"], io);
    io.stderr.write(`status-compat: unknown command "${asked.join(" ")}"\n\n${group.length > 0 ? await groupUsage(group) : overview()}`);
    return EXIT.USAGE;
  }
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout.write(overview());
    return EXIT.OK;
  }
  if (argv[0] === "--version") {
    io.stdout.write(packageVersion() + "\n");
    return EXIT.OK;
  }
  const found = findCommand(argv);
  const group = groupOf(argv[0]);
  if (found === undefined && group.length > 0) {
    // `file --help` asks for the group; `file` alone or `file nope` is a usage error that shows it.
    if (argv.length === 2 && (argv[1] === "--help" || argv[1] === "-h")) {
      io.stdout.write(await groupUsage(group));
      return EXIT.OK;
    }
    const what = argv.length === 1 ? `"${argv[0]}" needs a subcommand` : `unknown command "${argv.join(" ")}"`;
    io.stderr.write(`status-compat: ${what}\n\n${await groupUsage(group)}`);
    return EXIT.USAGE;
  }
  if (found === undefined) {
    io.stderr.write(`status-compat: unknown command "${argv.join(" ")}"\n\n${overview()}`);
    return EXIT.USAGE;
  }
  try {
    if (found.rest.includes("--help") || found.rest.includes("-h")) {
      io.stdout.write((await found.command.usage()).trimEnd() + "\n");
      return EXIT.OK;
    }
    const command = await found.command.load();
    // Here, for every command alike: said by each command's logger, the ones that log none said nothing.
    // Imported here: the logger brings pino and prom-client, which --help and a usage error do without.
    const { warnOfUnknownLogLevel } = await import("./command-logger.js");
    warnOfUnknownLogLevel(io, found.command.path.join(" "));
    return await command.run(found.rest, io);
  } catch (error) {
    const code = exitCodeFor(error);
    if (isCompatError(error)) {
      io.stderr.write(`status-compat ${found.command.path.join(" ")}: error[${error.code}]: ${error.message}\n`);
    } else {
      io.stderr.write(`status-compat ${found.command.path.join(" ")}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return code;
  }
}
