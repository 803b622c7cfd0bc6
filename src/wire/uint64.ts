import { invalidField } from "./field-checks.js";

/** The high 32 bits of Number.MAX_SAFE_INTEGER (2^53 - 1). */
const MAX_SAFE_HIGH = 0x1f_ffff;

/**
 * A decoded uint64 (protobufjs gives a Long when long.js is loaded, a number otherwise) as a JS
 * number, or -1 when it is above Number.MAX_SAFE_INTEGER (refused rather than rounded). Allocates
 * nothing, so hot loops can name the field only when it fails.
 */
export function safeUint64(value: unknown): number {
  if (typeof value === "number") return value <= Number.MAX_SAFE_INTEGER ? value : -1;
  if (value !== null && typeof value === "object") {
    const hi = (value as { high: number }).high >>> 0;
    if (hi <= MAX_SAFE_HIGH) return hi * 0x1_0000_0000 + ((value as { low: number }).low >>> 0);
  }
  return -1;
}

export function uint64TooLarge(message: string, field: string): never {
  throw invalidField(message, field, `exceeds ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER)`, { tooLarge: true });
}

/** safeUint64, throwing E_WIRE_INVALID_FIELD naming the field when too large. */
export function uint64ToNumber(value: unknown, message: string, field: string): number {
  const n = safeUint64(value);
  return n >= 0 ? n : uint64TooLarge(message, field);
}
