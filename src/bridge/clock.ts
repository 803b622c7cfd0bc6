/**
 * Time as the bridge's background work sees it: the receiver's fetch retries (backoff waits,
 * per-attempt timeouts, an overall deadline) ask this port for time and timers rather than the
 * global ones, so a test drives them with a manual clock and nothing depends on how fast the
 * machine runs. `systemBridgeClock` is the real one.
 */
export interface BridgeClock {
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

/**
 * A child signal aborted by `parent` or by `clock` after `ms` (a TimeoutError naming `what`), and a
 * dispose that clears both: nothing outlives the step it guards (AbortSignal.any would leave a
 * listener on the long-lived parent per call on Node 20).
 */
export function clockTimeout(clock: BridgeClock, parent: AbortSignal, ms: number, what: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => undefined };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  const cancel = clock.setTimer(ms, () => controller.abort(new DOMException(`${what} took longer than ${ms} ms`, "TimeoutError")));
  return {
    signal: controller.signal,
    dispose() {
      cancel();
      parent.removeEventListener("abort", onAbort);
    },
  };
}
