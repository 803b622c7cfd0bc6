import type { DestinationStream } from "pino";
import type { CliIo } from "../command.js";
import { createLogger, type Logger } from "../../obs/index.js";

/** Progress of the state commands as pino JSON on the command's stderr (level from STATUS_COMPAT_LOG_LEVEL, default warn). */
export function stateCommandLogger(io: CliIo, name: string): Logger {
  const raw = io.env["STATUS_COMPAT_LOG_LEVEL"];
  const level = raw === "trace" || raw === "debug" || raw === "info" || raw === "warn" || raw === "error" || raw === "fatal" || raw === "silent" ? raw : "warn";
  return createLogger({ name, level, destination: io.stderr as unknown as DestinationStream });
}
