import type { Writable } from "node:stream";

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** stderr is a terminal: progress bars allowed. */
  readonly stderrIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /**
   * Told by a command that returns while work it started still runs and cannot be stopped (a
   * matrix check that ignored its deadline's signal): the process entry then ends the process with
   * the command's status once its output is flushed, rather than wait for that work, which held a
   * CI job until its own timeout. Absent when the CLI runs in-process (tests): nothing to end.
   */
  readonly abandonedWork?: () => void;
}

/**
 * One CLI command, as its module defines it. `path` is the words that select it
 * (`["schema", "check"]`); `run` gets the remaining arguments and returns the exit status (see
 * exit-codes.ts). Results go to stdout, progress and logs to stderr.
 */
export interface Command {
  readonly path: readonly string[];
  /** Full usage text printed by `--help`: synopsis, options, exit statuses. */
  readonly usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A command as the CLI lists it (commands/index.ts): its words and one line on what it does, and
 * how to load its module. A module brings its layer with it (the storage client, SQLite and umzug,
 * the compatibility matrix): loaded only for the command that runs or shows its --help, so
 * `--help`, a usage error and each command start without the others' layers.
 */
export interface CommandEntry {
  readonly path: readonly string[];
  readonly summary: string;
  load(): Promise<Command>;
  /**
   * The command's usage text (its `usage`), for `--help` and a group's list (`file --help`). A
   * command whose module brings heavy layers keeps its text in a module of its own
   * (`<name>-usage.ts`, importing only the constants it shows), so its help does not load them.
   */
  usage(): Promise<string>;
}
