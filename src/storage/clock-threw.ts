import { StorageError } from "./storage-error.js";

/**
 * The `clock` option's `method` threw `cause` (a clock port whose native part is not ready or went
 * away, a mock run out of values): E_UNSUPPORTED naming the option, the thrown value as cause. The
 * constructor's check of the clock (object-options.ts) and every later reading (floored-clock.ts)
 * say so alike.
 */
export function clockThrew(method: "now" | "monotonic", cause: unknown): StorageError {
  return new StorageError("E_UNSUPPORTED", `storage client option clock must be a clock that reads; its ${method}() threw: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause,
    details: { option: "clock" },
  });
}
