import { describedValue } from "../errors/index.js";
import type { Logger } from "./logger.js";

/**
 * The one check every layer makes of a `logger` option. Library code calls child() for its
 * components and logs at debug, info and warn; given anything else (`logger: console`, the
 * likeliest slip in a JavaScript app, has no child()), it failed later with Node's raw TypeError
 * naming no option. Each layer refuses with its own error class and code, in these words.
 */
const LOGGER_METHODS = ["child", "debug", "info", "warn"] as const;

/**
 * What `value` is instead of an object with `methods`, worded to follow "must be …, not": the
 * value described (a function is "a function"), "console (it has no child())", or "an object
 * without now()"; undefined when it has them all. The storage client words its clock and metrics
 * options with it too.
 */
export function lackingMethods(value: unknown, methods: readonly string[]): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return typeof value === "function" ? "a function" : describedValue(value);
  const lacking = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== "function");
  if (lacking.length === 0) return undefined;
  const names = lacking.map((m) => `${m}()`).join(", ");
  return value === globalThis.console ? `console (it has no ${names})` : `an object without ${names}`;
}

/** What `value` is instead of a logger ("not …"), or undefined when it is one. */
export function loggerProblem(value: unknown): string | undefined {
  return lackingMethods(value, LOGGER_METHODS);
}

export function isLogger(value: unknown): value is Logger {
  return loggerProblem(value) === undefined;
}
