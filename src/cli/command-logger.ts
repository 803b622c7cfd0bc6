import type { DestinationStream } from "pino";
import type { CliIo } from "./command.js";
import { createLogger, type Logger } from "../obs/index.js";

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A command's logs as pino JSON on its stderr, level from STATUS_COMPAT_LOG_LEVEL (default warn), as every command documents. */
export function commandLogger(io: CliIo, name: string): Logger {
  const raw = io.env["STATUS_COMPAT_LOG_LEVEL"];
  const level = LEVELS.find((l) => l === raw) ?? "warn";
  return createLogger({ name, level, destination: io.stderr as unknown as DestinationStream });
}
