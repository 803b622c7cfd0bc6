import { StorageError } from "./storage-error.js";

/** A signal's reason is a deadline when it came from AbortSignal.timeout. */
export function isTimeoutReason(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === "TimeoutError";
}

/**
 * The typed error for a fired signal: E_TIMEOUT when a deadline fired, E_ABORTED when the caller
 * gave up, a StorageError reason (E_CLIENT_CLOSED from a stopping client) as it is.
 */
export function abortedError(reason: unknown, what: string): StorageError {
  if (reason instanceof StorageError) return reason;
  if (isTimeoutReason(reason)) return new StorageError("E_TIMEOUT", `${what} ran out of time`, { cause: reason });
  return new StorageError("E_ABORTED", `${what} was aborted by the caller`, { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw abortedError(signal.reason, what);
}

/** Waits for `pending` unless `signal` fires first; the loser is left to settle on its own. */
export function raceSignal<T>(pending: Promise<T>, signal: AbortSignal | undefined, what: string, onAbort?: () => void): Promise<T> {
  return raceAbort(pending, signal, (reason) => abortedError(reason, what), onAbort);
}

/**
 * `pending`, or the rejection `errorOf(signal.reason)` as soon as `signal` fires (after `onAbort`);
 * the loser is left to settle on its own and the listener is gone either way. The bridge's
 * transports reject with the signal's reason itself (`errorOf` the identity), as fetch does.
 */
export function raceAbort<T>(pending: Promise<T>, signal: AbortSignal | undefined, errorOf: (reason: unknown) => unknown = (reason) => reason, onAbort?: () => void): Promise<T> {
  if (signal === undefined) return pending;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort?.();
      reject(errorOf(signal.reason));
    };
    if (signal.aborted) {
      // Lost before it began: its own later failure is nobody's, never an unhandled rejection.
      pending.catch(() => undefined);
      return abort();
    }
    signal.addEventListener("abort", abort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}
