import { describedValue } from "../errors/index.js";
import type { StorageClientOptions } from "./client-options.js";
import { StorageError } from "./storage-error.js";

// The options that are objects or functions of the application's own (logger, clock, random,
// metrics). Given something else (`logger: console`, the likeliest slip in a JavaScript app;
// `clock: Date.now`; `random: 0.5` from a settings file), the constructors threw Node's raw
// TypeError ("parent.child is not a function") naming no option, or, for `random`, took it and
// failed the first retry's backoff as an E_INTERNAL "bug". Each is now refused at once, naming it.

/** What each option must have, and how the message says what it must be. */
const SHAPES = {
  logger: { methods: ["child", "debug", "info", "warn"], wanted: "a pino logger (createLogger() of this package, or pino())" },
  clock: { methods: ["now"], wanted: "an object with now() (and monotonic()), such as { now: Date.now }" },
  metrics: { methods: ["counter", "gauge", "histogram"], wanted: "a Metrics registry (createMetrics() of this package)" },
} as const;

type ObjectOption = keyof typeof SHAPES | "random";

/** Why `value` is not what `option` takes, or undefined when it is (undefined is not given). */
function problemOf(option: ObjectOption, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (option === "random") {
    return typeof value === "function" ? undefined : `storage client option random must be a function giving a number in [0, 1) (such as Math.random), not ${describedValue(value)}`;
  }
  const { methods, wanted } = SHAPES[option];
  const prefix = `${option === "logger" ? "" : "storage client "}option ${option} must be ${wanted}, not`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `${prefix} ${typeof value === "function" ? "a function" : describedValue(value)}`;
  const lacking = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== "function");
  if (lacking.length > 0) {
    return `${prefix} ${value === globalThis.console ? "console" : "an object"} ${value === globalThis.console ? `(it has no ${lacking.map((m) => `${m}()`).join(", ")})` : `without ${lacking.map((m) => `${m}()`).join(", ")}`}`;
  }
  const monotonic = (value as { monotonic?: unknown }).monotonic;
  if (option === "clock" && monotonic !== undefined && typeof monotonic !== "function") return `${prefix} an object whose monotonic is no function`;
  return undefined;
}

/** The StorageClient constructor's check of logger, clock, random and metrics: E_UNSUPPORTED naming the option. */
export function refuseNonObjectOptions(options: StorageClientOptions): void {
  for (const option of ["logger", "clock", "random", "metrics"] as const) {
    const problem = problemOf(option, options[option]);
    if (problem === undefined) continue;
    throw new StorageError("E_UNSUPPORTED", option === "logger" ? `storage client ${problem}` : problem, { details: { option } });
  }
}

/** A backend's `logger` option (createLocalBackend, createCodexBackend): E_BACKEND_REJECTED naming it, as their other bad options are. */
export function refuseNonLogger(owner: string, logger: unknown): void {
  const problem = problemOf("logger", logger);
  if (problem !== undefined) throw new StorageError("E_BACKEND_REJECTED", `${owner} ${problem}`, { details: { option: "logger" } });
}
