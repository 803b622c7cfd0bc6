/** The binary units a size flag takes after its digits (`3GiB`): what `free -h` and `/proc/meminfo` (kB = KiB) count in. */
const UNITS: Readonly<Record<string, number>> = { "": 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/** The largest size a flag takes: the largest whole number a byte count is exact in (2^53 - 1). */
export const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER;

/** What a size flag's text must be, for its usage error: the range and an example. */
export const SIZE_FORM = `a whole number of bytes from 0 to ${MAX_SIZE_BYTES}, or of KiB, MiB or GiB (e.g. 3GiB)`;

/**
 * The bytes a size flag's text gives (`3221225472`, `3GiB`, `512MiB`), or undefined when it is none:
 * digits alone, then one of UNITS with nothing between; no sign, fraction, exponent or decimal unit
 * (`3G`, `3GB`: 10^9 or 2^30 is anyone's guess), and nothing past MAX_SIZE_BYTES (a longer string of
 * digits became a rounded or infinite Number).
 */
export function byteSizeOf(text: string): number | undefined {
  const m = /^(\d+)(KiB|MiB|GiB)?$/.exec(text);
  if (m === null) return undefined;
  const bytes = Number(m[1]) * (UNITS[m[2] ?? ""] as number);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
