import { setImmediate as nextTurn } from "node:timers/promises";
import { StateError } from "./state-error.js";

/**
 * A point where a long tool (the rehearsal, the fixture writer) stops when its caller's signal
 * has fired. It first lets the event loop poll: a Ctrl-C that arrived while a synchronous step
 * ran (a row-by-row comparison, a batch of inserts) is only seen by the signal's handler then,
 * and a step that ended in an already settled promise would otherwise go on without one.
 */
export async function stopPoint(signal: AbortSignal | undefined, what: string, path: string): Promise<void> {
  if (signal === undefined) return;
  await signalsDelivered();
  if (signal.aborted) throw stopped(signal, what, path);
}

/**
 * Resolves once the event loop has polled for I/O since the call, which is when a signal that
 * came meanwhile reaches its JavaScript handler. One immediate is not enough when called from the
 * poll phase (an I/O callback): it runs in that same turn's check phase, before the next poll.
 */
export async function signalsDelivered(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

/** The typed error of a tool stopped by its caller's signal. */
export function stopped(signal: AbortSignal, what: string, path: string): StateError {
  return new StateError("E_STATE_ABORTED", `${what} of ${path} stopped by the caller's signal`, { cause: signal.reason, details: { path } });
}
