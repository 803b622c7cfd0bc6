import { spawnCollecting, type CliResult, type SpawnCliOptions } from "./cli.js";
import { nodeArgs } from "./node-args.js";

/** A POSIX shell's `ulimit -f` counts 512-byte blocks (dash; bash too when it runs as sh). */
const ULIMIT_BLOCK_BYTES = 512;

/**
 * Runs `command` as a child process under RLIMIT_FSIZE = `limitBytes` (rounded down to whole
 * 512-byte blocks): no file it writes can grow past that. Node ignores SIGXFSZ, so a write past
 * the limit fails with EFBIG, the way a full disk refuses one (ENOSPC), without root or a real full
 * disk. Files already larger can still be read and rewritten in place.
 */
export function runUnderFileSizeLimit(command: readonly string[], limitBytes: number, options: SpawnCliOptions = {}): Promise<CliResult> {
  const blocks = Math.floor(limitBytes / ULIMIT_BLOCK_BYTES);
  if (blocks < 1) throw new RangeError(`a file-size limit of ${limitBytes} bytes is less than one ${ULIMIT_BLOCK_BYTES}-byte block`);
  // The command comes in as arguments, never through the shell's parser.
  return spawnCollecting("sh", ["-c", 'ulimit -f "$1" && shift && exec "$@"', "sh", String(blocks), ...command], options);
}

/** The CLI as `runCli` starts it (the sources compiled for this run), under a file-size limit. */
export function runCliUnderFileSizeLimit(args: readonly string[], limitBytes: number, options: SpawnCliOptions = {}): Promise<CliResult> {
  return runUnderFileSizeLimit([process.execPath, ...nodeArgs("src/cli/run.ts"), ...args], limitBytes, options);
}
