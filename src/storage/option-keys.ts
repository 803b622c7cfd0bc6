import { optionsShapeMessage, unknownOptionKey, unknownOptionMessage } from "../errors/index.js";
import { StorageError, type StorageErrorCode } from "./storage-error.js";

export { keysOf } from "../errors/index.js";

/**
 * `options` as an options object of `entry` (`{}` for undefined or null, a JavaScript caller's
 * "none"), its keys checked by refuseUnknownKeys. Anything but a plain object is refused: a path
 * string passed for fetch's options (`fetch(ref, "copy.jpg")`) fetched into the cache.
 */
export function optionsObject<T extends object>(entry: string, options: T | null | undefined, known: readonly string[], code: StorageErrorCode = "E_UNSUPPORTED"): T {
  if (options === undefined || options === null) return {} as T;
  const shape = optionsShapeMessage(entry, options, known);
  if (shape !== undefined) throw new StorageError(code, shape, { details: { option: "options" } });
  refuseUnknownKeys(entry, options, known, code);
  return options;
}

/**
 * Refuses a key `entry` does not take (E_UNSUPPORTED unless told, `details.option` naming it, the
 * message the keys it does take and the nearest of them: src/errors/unknown-options.ts). A misspelt
 * key was ignored, and the client ran on the default (1 GiB of cache for `quota`, a download into
 * the cache the app never found for fetch's `{ path }`).
 */
export function refuseUnknownKeys(entry: string, options: object, known: readonly string[], code: StorageErrorCode = "E_UNSUPPORTED"): void {
  const key = unknownOptionKey(options, known);
  if (key !== undefined) throw new StorageError(code, unknownOptionMessage(entry, key, known), { details: { option: key } });
}
