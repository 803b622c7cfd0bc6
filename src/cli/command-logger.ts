import type { DestinationStream } from "pino";
import type { CliIo } from "./command.js";
import { createLogger, LOG_LEVELS, parseLogLevel, type Logger } from "../obs/index.js";

/**
 * A command's logs as pino JSON on its stderr, level from STATUS_COMPAT_LOG_LEVEL (default warn), as every command documents.
 * A value that names no level is said on stderr: an operator who set "verbose" would otherwise wait for logs that never come.
 */
export function commandLogger(io: CliIo, name: string): Logger {
  const raw = io.env["STATUS_COMPAT_LOG_LEVEL"];
  const level = parseLogLevel(raw);
  const logger = createLogger({ name, level: level ?? "warn", destination: io.stderr as unknown as DestinationStream });
  if (raw !== undefined && raw.trim() !== "" && level === undefined) {
    logger.warn(`STATUS_COMPAT_LOG_LEVEL ${JSON.stringify(raw)} is no level (${LOG_LEVELS.join(", ")}); logging at warn`);
  }
  return logger;
}
