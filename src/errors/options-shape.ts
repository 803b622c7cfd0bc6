import { describedValue } from "./described-value.js";

/**
 * `<entry> options must be an object (with a, b) or left out, not <value>` when `options` is not a
 * plain object, undefined when it is one (or null/undefined where `leftOut` says the options may be
 * left out: a JavaScript caller's null means none, as undefined does). A path string for openState's
 * options or a level string for createLogger's failed later with a raw error, or was read as no
 * options. Each layer throws this message as its own error (storage: StorageError; the others a
 * TypeError), the value said by describedValue alike everywhere.
 */
export function optionsShapeMessage(entry: string, options: unknown, known: readonly string[], leftOut = true): string | undefined {
  if (leftOut && (options === undefined || options === null)) return undefined;
  if (typeof options === "object" && options !== null && !Array.isArray(options)) return undefined;
  return `${entry} options must be an object (with ${known.join(", ")})${leftOut ? " or left out" : ""}, not ${describedValue(options)}`;
}
