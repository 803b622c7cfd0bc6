import { DueConfirmation } from "../due-confirmation.js";
import { StorageError } from "../storage-error.js";
import { systemTimers, type TimerPort } from "./timer-port.js";

/**
 * A child signal that fires when any parent does or when `timeoutMs` passes, and a dispose that
 * clears the timer and the parent listeners, so nothing outlives the work it guarded (unlike
 * AbortSignal.timeout, whose timer lingers until it fires, and AbortSignal.any, whose listeners
 * stay on long-lived parents).
 */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Progress was made: the timeout counts again from now (a slow transfer is not a stalled one). */
  touch(): void;
  /**
   * Time from pause() to resume() does not count against the timeout (a stream's consumer holding
   * it paused is not the transfer taking long). No timer per call: they only note the time.
   */
  pause(): void;
  resume(): void;
  dispose(): void;
}

/** How long each linked signal has left before its own timeout, parents included (for timeLeft). */
const remainingOf = new WeakMap<AbortSignal, () => number>();

/**
 * Milliseconds before `signal` times out through a linkedSignal's timeout (its own or an ancestor's;
 * time paused does not pass); 0 once it fired, Infinity when no deadline is known.
 */
export function timeLeft(signal: AbortSignal): number {
  if (signal.aborted) return 0;
  return remainingOf.get(signal)?.() ?? Infinity;
}

/** `child` (a plain AbortController's signal that `parent`'s abort is forwarded to) has `parent`'s time left. */
export function inheritTimeLeft(child: AbortSignal, parent: AbortSignal): void {
  remainingOf.set(child, () => timeLeft(parent));
}

/** `timers`: what the timeout runs on, the process's own by default (the bridge passes its BridgeClock). */
export function linkedSignal(
  parents: AbortSignal | undefined | readonly (AbortSignal | undefined)[],
  timeoutMs: number | undefined,
  what: string,
  timers: TimerPort = systemTimers,
): LinkedSignal {
  const list = (Array.isArray(parents) ? parents : [parents]).filter((p): p is AbortSignal => p !== undefined);
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  /** Cancels the last timer armed (a no-op once it fired); undefined when none runs (none given, timed out, dormant, disposed). */
  let timer: (() => void) | undefined;
  /** Due: fired only after the event loop read the sockets, so bytes that came meanwhile count as progress. */
  const confirmation = new DueConfirmation(() => check(true));
  let expiresAt = 0;
  let touched = false;
  let pausedAt: number | undefined;
  /** The timer fired while paused: resume() arms it again. */
  let dormant = false;
  // touch() only moves the expiry; the one timer looks at it when it fires (no timer per chunk).
  const check = (confirmed = false): void => {
    if (pausedAt !== undefined) {
      timer = undefined;
      dormant = true;
      return;
    }
    const left = expiresAt - timers.now();
    if (left > 0) {
      timer = timers.setTimer(left, check);
      return;
    }
    if (!confirmed) {
      confirmation.request();
      return;
    }
    timer = undefined;
    const why = touched ? `${what} made no progress for ${timeoutMs} ms` : `${what} took longer than ${timeoutMs} ms`;
    controller.abort(new DOMException(why, "TimeoutError"));
  };
  const already = list.find((p) => p.aborted);
  if (already !== undefined) controller.abort(already.reason);
  else {
    for (const parent of list) {
      const onAbort = (): void => controller.abort(parent.reason);
      parent.addEventListener("abort", onAbort, { once: true });
      listeners.push([parent, onAbort]);
    }
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      expiresAt = timers.now() + timeoutMs;
      timer = timers.setTimer(timeoutMs, check);
    }
  }
  remainingOf.set(controller.signal, () => {
    let left = Infinity;
    if (timer !== undefined || dormant) left = expiresAt - (pausedAt ?? timers.now());
    for (const parent of list) left = Math.min(left, timeLeft(parent));
    return Math.max(0, left);
  });
  return {
    signal: controller.signal,
    touch() {
      if (timer === undefined) return;
      touched = true;
      expiresAt = timers.now() + (timeoutMs as number);
    },
    pause() {
      if ((timer !== undefined || dormant) && pausedAt === undefined) pausedAt = timers.now();
    },
    resume() {
      if (pausedAt === undefined) return;
      expiresAt += timers.now() - pausedAt;
      pausedAt = undefined;
      if (dormant) {
        dormant = false;
        timer = timers.setTimer(Math.max(0, expiresAt - timers.now()), check);
      }
    },
    dispose() {
      timer?.();
      confirmation.cancel();
      timer = undefined;
      dormant = false;
      pausedAt = undefined;
      for (const [parent, onAbort] of listeners) parent.removeEventListener("abort", onAbort);
      listeners.length = 0;
    },
  };
}

/** The reason a stopping client gives its running work. */
export function clientClosedReason(): StorageError {
  return new StorageError("E_CLIENT_CLOSED", "the storage client was stopped; the job stays in the journal and resumes on the next start");
}
