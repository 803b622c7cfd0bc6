import { describedValue } from "../errors/index.js";
import { lackingMethods, loggerProblem } from "../obs/index.js";
import type { StorageClientOptions } from "./client-options.js";
import { clockThrew } from "./clock-threw.js";
import { StorageError } from "./storage-error.js";

// The options that are objects or functions of the application's own (logger, clock, random,
// metrics). Given something else (`logger: console`, the likeliest slip in a JavaScript app;
// `clock: Date.now`; `random: 0.5` from a settings file), the constructors threw Node's raw
// TypeError ("parent.child is not a function") naming no option, or, for `random`, took it and
// failed the first retry's backoff as an E_INTERNAL "bug". Each is now refused at once, naming it.

/** What each option must have (a logger: what src/obs checks a logger for), and how the message says what it must be. */
const SHAPES = {
  logger: { methods: undefined, wanted: "a pino logger (createLogger() of this package, or pino())" },
  clock: { methods: ["now"], wanted: "an object with now() (and monotonic()), such as { now: Date.now }" },
  timers: { methods: ["now", "setTimer"], wanted: "an object with now() and setTimer(ms, fire) (a TimerPort)" },
  metrics: { methods: ["counter", "gauge", "histogram"], wanted: "a Metrics registry (createMetrics() of this package)" },
} as const;

type ObjectOption = keyof typeof SHAPES | "random";

/** Why a value is not what its option takes, with what the value threw when reading it did (a clock's). */
interface Problem {
  readonly message: string;
  readonly cause?: unknown;
}

/** Why `value` is not what `option` takes, or undefined when it is (undefined is not given). */
function problemOf(option: ObjectOption, value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (option === "random") {
    return typeof value === "function" ? undefined : { message: `storage client option random must be a function giving a number in [0, 1) (such as Math.random), not ${describedValue(value)}` };
  }
  const { methods, wanted } = SHAPES[option];
  const prefix = `${option === "logger" ? "" : "storage client "}option ${option} must be ${wanted}, not`;
  const instead = methods === undefined ? loggerProblem(value) : lackingMethods(value, methods);
  if (instead !== undefined) return { message: `${prefix} ${instead}` };
  const monotonic = (value as { monotonic?: unknown }).monotonic;
  if (option === "clock" && monotonic !== undefined && typeof monotonic !== "function") return { message: `${prefix} an object whose monotonic is no function` };
  return option === "clock" ? clockReadingProblem(value as { now(): unknown; monotonic?(): unknown }) : undefined;
}

/**
 * The bounds of a plausible first reading of a clock in epoch milliseconds. 1e11 ms is 1973-03-03:
 * a clock in seconds (Date.now() / 1000, a common slip) reads below 1e10 until the year 2286, and
 * one in milliseconds since some start (performance.now(), a device's uptime) below 1e11 for three
 * years; with either, every timestamp was January 1970 and every 30-day availability and renewal
 * computation wrong. The bound is not the year 2000 or later: a device clock reset by a dead
 * battery reads 1980 (the GPS epoch) or 2000 on some phones, which the floored clock handles
 * (floored-clock.ts); one reset to 1970 reads below it for its first three years and is refused,
 * as a seconds clock cannot be told from it. 1e14 ms is the year 5138: microseconds read 1.7e15.
 */
const PLAUSIBLE_CLOCK_MS = { min: 1e11, max: 1e14 } as const;

/**
 * Why the clock's first readings are no epoch-milliseconds time and no monotonic count, or
 * undefined. A now() or monotonic() that throws (a clock port whose native part is not ready, a
 * mock left unconfigured) escaped as that raw error: through the constructor, then from start()'s
 * first reading, naming no option.
 */
function clockReadingProblem(clock: { now(): unknown; monotonic?(): unknown }): Problem | undefined {
  const prefix = "storage client option clock must be a clock that reads";
  const read = (method: "now" | "monotonic"): { value: unknown } | Problem => {
    try {
      return { value: method === "now" ? clock.now() : clock.monotonic?.() };
    } catch (cause) {
      return { message: clockThrew(method, cause).message, cause };
    }
  };
  const first = read("now");
  if ("message" in first) return first;
  const reading = first.value;
  if (clock.monotonic !== undefined) {
    const steady = read("monotonic");
    if ("message" in steady) return steady;
    if (typeof steady.value !== "number" || !Number.isFinite(steady.value)) {
      return { message: `${prefix} a number of milliseconds from monotonic() (performance.now()); its monotonic() gives ${describedValue(steady.value)}, not a number` };
    }
  }
  const wanted = "storage client option clock must read milliseconds since 1970-01-01 UTC (Date.now())";
  if (typeof reading !== "number") return { message: `${wanted}; its now() gives ${typeof reading === "object" && reading !== null ? "an object" : describedValue(reading)}, not a number (a Date? give its getTime())` };
  if (reading >= PLAUSIBLE_CLOCK_MS.min && reading < PLAUSIBLE_CLOCK_MS.max) return undefined;
  const hint =
    reading >= 1e8 && reading < PLAUSIBLE_CLOCK_MS.min
      ? "seconds? Date.now() / 1000 reads so"
      : reading >= PLAUSIBLE_CLOCK_MS.max
        ? "microseconds?"
        : "milliseconds since some start, as performance.now() reads, or a clock reset to 1970";
  return { message: `${wanted}; its now() reads ${String(reading)} (${hint}), no time after 1973-03-03 and before the year 5138: the client's timestamps would be wrong, and with them every expiry and renewal` };
}

/** The StorageClient constructor's check of logger, clock, random and metrics: E_UNSUPPORTED naming the option. */
export function refuseNonObjectOptions(options: StorageClientOptions): void {
  for (const option of ["logger", "clock", "timers", "random", "metrics"] as const) {
    const problem = problemOf(option, options[option]);
    if (problem === undefined) continue;
    throw new StorageError("E_UNSUPPORTED", option === "logger" ? `storage client ${problem.message}` : problem.message, { cause: problem.cause, details: { option } });
  }
}

/** A backend's `logger` option (createLocalBackend, createCodexBackend): E_BACKEND_REJECTED naming it, as their other bad options are. */
export function refuseNonLogger(owner: string, logger: unknown): void {
  const problem = problemOf("logger", logger);
  if (problem !== undefined) throw new StorageError("E_BACKEND_REJECTED", `${owner} ${problem.message}`, { details: { option: "logger" } });
}
