import type { TimerPort } from "../storage/index.js";

/**
 * Time as the bridge's background work sees it: the receiver's fetch retries (backoff waits,
 * per-attempt timeouts, an overall deadline) ask this port for time and timers rather than the
 * global ones, so a test drives them with a manual clock and nothing depends on how fast the
 * machine runs. `systemBridgeClock` is the real one. It is a TimerPort of the storage layer (`now`,
 * `setTimer`), declared as one so that a change to TimerPort fails to compile here rather than at
 * the fetch that runs storage's linkedSignal on it; it adds the timer's options and the wall clock.
 */
export interface BridgeClock extends TimerPort {
  /** Milliseconds on a monotonic scale (only differences are used). */
  now(): number;
  /**
   * Calls `fire` once after `ms`; the returned function cancels it (idempotent). A `background`
   * timer (a periodic republish) does not keep the process alive on its own.
   */
  setTimer(ms: number, fire: () => void, options?: BridgeTimerOptions): () => void;
  /** Wall-clock milliseconds since the epoch, for `expires_at` and `received_at`. */
  wallNow(): number;
}

export interface BridgeTimerOptions {
  readonly background?: boolean;
}

export const systemBridgeClock: BridgeClock = Object.freeze({
  now: () => performance.now(),
  setTimer(ms: number, fire: () => void, options?: BridgeTimerOptions): () => void {
    const timer = setTimeout(fire, Math.max(0, ms));
    if (options?.background === true) timer.unref();
    return () => clearTimeout(timer);
  },
  wallNow: () => Date.now(),
});

/**
 * Resolves after `ms` on `clock`, or rejects with the signal's reason once it fires; the timer and
 * the listener are gone either way.
 */
export function clockSleep(clock: BridgeClock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(signal.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
