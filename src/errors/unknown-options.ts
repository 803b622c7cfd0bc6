import { optionsShapeMessage } from "./options-shape.js";
import { signalOptionProblem } from "./signal-option.js";

/**
 * Option keys a call does not take. Options come from an app's settings file or a release script as
 * often as from code, where TypeScript checks nothing: a misspelt key was ignored and the call ran on
 * the default (`dryrun: true` for `dryRun` ran the real upgrade). Each layer refuses such a key with
 * its own error (storage: StorageError, `details.option`; the others a TypeError) and this message.
 */

/**
 * The keys of an options type, held to it by the compiler: `keysOf<FetchOptions>()({ out: true })`
 * fails to compile when the type gains or loses a key the list does not.
 */
export function keysOf<T>(): (keys: Record<keyof T, true>) => readonly string[] {
  return (keys) => Object.freeze(Object.keys(keys));
}

/**
 * The first key of `options` that is not `known`, whatever its value: a misspelt key given as
 * undefined (`{ dryrun: flags.dryRun }`) is the same mistake, one that bites once it has a value.
 */
export function unknownOptionKey(options: object, known: readonly string[]): string | undefined {
  return Object.keys(options).find((key) => !known.includes(key));
}

/** `<entry> has no option "key" (did you mean "near"?); its options are a, b, c`. */
export function unknownOptionMessage(entry: string, key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return `${entry} has no option ${JSON.stringify(key)}${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}; its options are ${known.join(", ")}`;
}

/**
 * Throws a TypeError for options that are not an object (optionsShapeMessage), hold a key `entry`
 * does not take (unknownOptionMessage), or a `signal` that is no AbortSignal (signalOptionProblem).
 * Null and undefined pass: where the options may be left out they are none, and where they may not
 * (`leftOut` false) the entry point's own checks say what is missing, as before.
 */
export function assertKnownOptions(entry: string, options: object | null | undefined, known: readonly string[], leftOut = true): void {
  if (options === undefined || options === null) return;
  const shape = optionsShapeMessage(entry, options, known, leftOut);
  if (shape !== undefined) throw new TypeError(shape);
  const key = unknownOptionKey(options, known);
  if (key !== undefined) throw new TypeError(unknownOptionMessage(entry, key, known));
  // Every entry point that takes a signal checks its keys here: its value is checked with them.
  const signal = known.includes("signal") ? signalOptionProblem(entry, (options as { signal?: unknown }).signal) : undefined;
  if (signal !== undefined) throw new TypeError(signal);
}

/** A known key (or a known value: a log level) the given one is a case or a few letters away from, or one that contains it or is contained in it. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
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
