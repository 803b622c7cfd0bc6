import { StorageError, type StorageErrorCode } from "./storage-error.js";

/**
 * `options` as an options object of `entry` (`{}` for undefined or null, a JavaScript caller's
 * "none"), its keys checked by refuseUnknownKeys. Anything but a plain object is refused: a path
 * string passed for fetch's options (`fetch(ref, "copy.jpg")`) fetched into the cache.
 */
export function optionsObject<T extends object>(entry: string, options: T | null | undefined, known: readonly string[], code: StorageErrorCode = "E_UNSUPPORTED"): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) {
    const given = typeof options === "string" ? `the string ${JSON.stringify(options)}` : Array.isArray(options) ? "an array" : `a ${typeof options}`;
    throw new StorageError(code, `${entry} options must be an object (with ${known.join(", ")}) or left out, not ${given}`, { details: { option: "options" } });
  }
  refuseUnknownKeys(entry, options, known, code);
  return options;
}

/**
 * Refuses a key `entry` does not take (E_UNSUPPORTED, `details.option` naming it, the message the
 * keys it does take and the nearest of them). Options come from an app's settings file as often as
 * from code, where TypeScript checks nothing: a misspelt key (`quota` for `quotaBytes`,
 * `{ path }` for fetch's `{ out }`) was ignored, and the client ran on the default (1 GiB of cache,
 * a download into the cache the app never found). A key given as undefined is not given, as for
 * every option's value (an app's optional setting spread in).
 */
export function refuseUnknownKeys(entry: string, options: object, known: readonly string[], code: StorageErrorCode = "E_UNSUPPORTED"): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || known.includes(key)) continue;
    const near = nearestKey(key, known);
    throw new StorageError(
      code,
      `${entry} has no option ${JSON.stringify(key)}${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}; its options are ${known.join(", ")}`,
      { details: { option: key } },
    );
  }
}

/**
 * The keys of an options type, held to it by the compiler: `keysOf<FetchOptions>()({ out: true })`
 * fails to compile when the type gains or loses a key the list does not.
 */
export function keysOf<T>(): (keys: Record<keyof T, true>) => readonly string[] {
  return (keys) => Object.freeze(Object.keys(keys));
}

/** A known key the given one is a case or a few letters away from, or one that contains it or is contained in it. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    // Containment counts for names of 4 letters or more: `timeout` is not `out`.
    const contains = Math.min(lower.length, other.length) >= 4 && (other.includes(lower) || lower.includes(other));
    const distance = contains ? 1 : editDistance(lower, other);
    // Past half the longer name's letters changed, a suggestion is noise (`path` is not `out`).
    if (distance < bestDistance && distance <= Math.max(1, Math.floor(Math.max(lower.length, other.length) / 2))) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance; option names are short, so the two-row table costs nothing. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
