import { MAX_LOCK_TIMEOUT_MS } from "../state/index.js";
import { CliError } from "./usage-error.js";

/**
 * `--lock-timeout MS` of `migrate` and `upgrade`: milliseconds, checked before the file is opened.
 * Digits alone passed, so 99999999999999999999 (1e20 ms) waited as long as another process held the
 * lock: the range is the library's (a finite wait up to 2^31 - 1 ms, about 24.8 days). Undefined
 * when the flag is not given (the library's default, 15 s). `nothing` ends the message ("Nothing was run.").
 */
export function lockTimeoutOption(command: string, text: string | undefined, nothing: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > MAX_LOCK_TIMEOUT_MS) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new CliError("E_USAGE", `${command}: --lock-timeout must be a whole number of milliseconds from 0 to ${MAX_LOCK_TIMEOUT_MS} (about 24.8 days), not ${JSON.stringify(shown)}. ${nothing}`);
  }
  return Number(text);
}
