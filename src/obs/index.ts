export { createLogger, silentLogger, componentLogger, parseLogLevel, LOG_LEVELS, REDACTED_PATHS } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
export { isLogger, lackingMethods, loggerProblem } from "./logger-check.js";
export { Metrics, createMetrics } from "./metrics.js";
export type { MetricsOptions } from "./metrics.js";
