import { componentLogger, silentLogger, type Logger } from "../obs/index.js";

/**
 * The logger a migration run writes through: the caller's (default silent), its lines marked
 * `component: "state.migration"` as every module's are, so a filter on component finds them.
 */
export function migrationLogger(logger: Logger | undefined): Logger {
  return componentLogger(logger ?? silentLogger(), "state.migration");
}
