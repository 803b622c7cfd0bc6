import { raceAbort } from "../storage/index.js";

/**
 * `pending` (a call into a store or a network the bridge does not control), or the signal's reason
 * as soon as it fires, whatever the callee does with the signal: one stuck inside a call does not
 * hold the caller. The callee's own answer after that is nobody's and is dropped (never an
 * unhandled rejection); the listener is gone either way.
 */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  pending.catch(() => undefined);
  return raceAbort(pending, signal);
}
