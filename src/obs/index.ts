export { createLogger, silentLogger, componentLogger, parseLogLevel, LOG_LEVELS, REDACTED_PATHS } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
export { Metrics, createMetrics } from "./metrics.js";
export type { MetricsOptions } from "./metrics.js";
