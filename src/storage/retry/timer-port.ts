/**
 * The time and timers a linkedSignal runs on. The storage client's are the process's own
 * (`systemTimers`); the bridge's receiver passes its BridgeClock, which extends this interface, so its
 * fetch's timeouts run on the clock its tests drive by hand.
 */
export interface TimerPort {
  /** Milliseconds on a monotonic scale (only differences are used). */
  now(): number;
  /** Calls `fire` once after `ms`; the returned function cancels it (idempotent). */
  setTimer(ms: number, fire: () => void): () => void;
}

// The globals are looked up on each call, not kept: a test's fake timers then apply as they did before the port.
export const systemTimers: TimerPort = Object.freeze({
  now: () => performance.now(),
  setTimer(ms: number, fire: () => void): () => void {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
});
