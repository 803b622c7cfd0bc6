import { describedValue, signalOptionProblem } from "../errors/index.js";
import { StorageError } from "./storage-error.js";

/**
 * The values of fetchStream()'s, status()'s and renewDue()'s options (their keys are option-keys.ts's):
 * `signal` an AbortSignal, `probe` a boolean. The AbortController itself for its signal (the
 * likeliest slip) failed with Node's raw TypeError "parent.addEventListener is not a function",
 * naming no option (a stream at its first read; a status without a probe ignored it), and
 * status({ probe: "true" }) did not probe, without a word. Refused at the call, naming the option.
 */
export function checkCallOptions<T extends { signal?: unknown; probe?: unknown } | null>(method: string, options: T): T {
  const signal = signalOptionProblem(`${method}()`, options?.signal);
  if (signal !== undefined) throw new StorageError("E_UNSUPPORTED", signal, { details: { option: "signal" } });
  const probe = options?.probe;
  if (probe !== undefined && typeof probe !== "boolean") {
    throw new StorageError("E_UNSUPPORTED", `${method}() option probe must be true or false, not ${describedValue(probe)}`, { details: { option: "probe" } });
  }
  return options;
}
