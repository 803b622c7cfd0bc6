import { invalidField } from "./field-checks.js";

/** The high 32 bits of Number.MAX_SAFE_INTEGER (2^53 - 1). */
const MAX_SAFE_HIGH = 0x1f_ffff;

/**
 * A decoded uint64 (protobufjs gives a Long when long.js is loaded, a number otherwise) as a JS
 * number, refusing values above Number.MAX_SAFE_INTEGER rather than rounding them.
 */
export function uint64ToNumber(value: unknown, message: string, field: string): number {
  if (typeof value === "number") {
    if (value <= Number.MAX_SAFE_INTEGER) return value;
  } else if (value !== null && typeof value === "object") {
    const { low, high } = value as { low: number; high: number };
    const hi = high >>> 0;
    if (hi <= MAX_SAFE_HIGH) return hi * 0x1_0000_0000 + (low >>> 0);
  }
  throw invalidField(message, field, `exceeds ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`, { tooLarge: true });
}
