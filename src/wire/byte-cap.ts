import { assertKnownOptions, describedValue } from "../errors/index.js";

/** The one option a decode takes. */
const DECODE_OPTIONS: readonly string[] = Object.freeze(["maxBytes"]);

/**
 * The byte cap a decode applies: `cap` (the message's default), or a caller's lower `maxBytes`; a
 * larger one is the default's. A receiver lowers it to shed oversized input early, so a mistake in
 * it must not pass for the default: a misspelt key (`maxSize`), or a value that is no number of
 * bytes ("65536" from a settings file, -1, NaN), was ignored, and the decode ran on the looser
 * default cap. The caller's options are no untrusted bytes: a TypeError / RangeError naming them,
 * not a WireError (which says the message was bad).
 */
export function byteCap(entry: string, options: { readonly maxBytes?: number } | null | undefined, cap: number): number {
  if (options === undefined || options === null) return cap;
  assertKnownOptions(entry, options, DECODE_OPTIONS);
  const asked: unknown = options.maxBytes;
  if (asked === undefined) return cap;
  if (typeof asked !== "number" || !(asked >= 0)) {
    throw new RangeError(`${entry} option maxBytes must be a number of bytes, 0 or more (a cap below the default), not ${describedValue(asked)}`);
  }
  return Math.min(asked, cap);
}
