import { describedValue, rangeSlip } from "../errors/index.js";
import { NegotiationError } from "./negotiation-error.js";

/** Protocol versions a node reads (and can write): both ends included. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** Envelope versions travel as uint32; 0 is proto3's "unset" and never a real version. */
const HIGHEST_VERSION = 0xffff_ffff;

/**
 * Whether `value` is a usable range: for an app's own records (a stored row, JSON), typed `unknown`
 * until checked, so it takes any value and narrows it (docs/wire.md: map the rest to `null`).
 */
export function isVersionRange(value: unknown): value is VersionRange {
  // A predicate: a caller's null or number is "not a range", not a TypeError.
  if (value === null || typeof value !== "object") return false;
  const { min, max } = value as { readonly min?: unknown; readonly max?: unknown };
  return (
    typeof min === "number" && typeof max === "number" && Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max <= HIGHEST_VERSION && min <= max
  );
}

/**
 * Throws E_RANGE_INVALID naming `what` (the writer, member #i) when `range` is not a usable range;
 * `member`, an audience member's index, goes into the details so the app can find its record.
 */
export function assertVersionRange(range: VersionRange | null | undefined, what: string, member?: number): asserts range is VersionRange {
  if (!isVersionRange(range)) {
    // Not a range, so the compiler knows only null | undefined here: the app's value may be anything.
    const given: unknown = range;
    const shown =
      given === null || typeof given !== "object"
        ? String(given)
        : `[${describedValue((given as { min?: unknown }).min)}, ${describedValue((given as { max?: unknown }).max)}]`;
    // The wire never yields such a member range (openEnvelope refuses the sender's), so it is the
    // app's own record: say how to send without it rather than let fallback guess (docs/wire.md).
    const hint = member === undefined ? "" : "; fix the stored range, or pass null for a member whose range is not known (counted as unknown, under either outsiders policy)";
    throw new NegotiationError(
      "E_RANGE_INVALID",
      `${what} has version range ${shown}${rangeSlip(given)}; expected integers 1 <= min <= max <= ${HIGHEST_VERSION}${hint}`,
      { details: member === undefined ? { what } : { what, member } },
    );
  }
}
