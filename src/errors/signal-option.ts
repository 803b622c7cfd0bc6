import { describedValue } from "./described-value.js";

/**
 * What is wrong with a `signal` option, or undefined when it is an AbortSignal (or not given). The
 * AbortController itself is the likeliest slip (`{ signal: controller }`): read as
 * `signal?.aborted`, it never aborts, so a cancel never reached the call, and Node's timers and
 * listeners failed on it with raw TypeErrors naming no option. By shape, not instanceof: a
 * polyfilled AbortController (React Native's) makes signals of its own class.
 */
export function signalOptionProblem(entry: string, signal: unknown): string | undefined {
  if (signal === undefined || isAbortSignal(signal)) return undefined;
  const given = isAbortController(signal) ? "an AbortSignal, not an AbortController: pass its signal (controller.signal)" : `an AbortSignal (controller.signal), not ${describedValue(signal)}`;
  return `${entry} option signal must be ${given}`;
}

function isAbortSignal(value: unknown): boolean {
  const v = value as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown } | null;
  return typeof value === "object" && v !== null && typeof v.aborted === "boolean" && typeof v.addEventListener === "function" && typeof v.removeEventListener === "function";
}

function isAbortController(value: unknown): boolean {
  const v = value as { abort?: unknown; signal?: unknown } | null;
  return typeof value === "object" && v !== null && typeof v.abort === "function" && isAbortSignal(v.signal);
}
