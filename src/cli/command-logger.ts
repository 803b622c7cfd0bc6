import type { DestinationStream } from "pino";
import type { CliIo } from "./command.js";
import { createLogger, LOG_LEVELS, parseLogLevel, type Logger } from "../obs/index.js";

const DEFAULT_LEVEL = "warn";

/**
 * A command's logs as pino JSON on its stderr, level from STATUS_COMPAT_LOG_LEVEL (default warn), as every command documents.
 * A value that names no level is said once by main() (warnOfUnknownLogLevel), before any command runs, not here: only
 * the commands that log made a logger, so `releases` and `migrate status` said nothing, and a command making two would say it twice.
 */
export function commandLogger(io: CliIo, name: string): Logger {
  return createLogger({ name, level: parseLogLevel(io.env["STATUS_COMPAT_LOG_LEVEL"]) ?? DEFAULT_LEVEL, destination: io.stderr as unknown as DestinationStream });
}

/**
 * One warning line on stderr (pino JSON, as every log line) when STATUS_COMPAT_LOG_LEVEL names no level: an operator who set
 * "verbose" would otherwise wait for logs that never come. The command then runs at the default level.
 */
export function warnOfUnknownLogLevel(io: CliIo, command: string): void {
  const raw = io.env["STATUS_COMPAT_LOG_LEVEL"];
  if (raw === undefined || raw.trim() === "" || parseLogLevel(raw) !== undefined) return;
  createLogger({ name: `status-compat ${command}`, level: DEFAULT_LEVEL, destination: io.stderr as unknown as DestinationStream }).warn(
    `STATUS_COMPAT_LOG_LEVEL ${JSON.stringify(raw)} is no level (${LOG_LEVELS.join(", ")}); logging at ${DEFAULT_LEVEL}`,
  );
}
