import { BridgeError } from "./bridge-error.js";

/**
 * The description clock (status-go's Lamport `clock`): a control node's publications only move it
 * forward, and a receiver hands on a clock only above the one it holds. Clocks are the wire's uint64
 * read as safe integers (the wire layer refuses larger ones).
 */

/** Whether `incoming` replaces what a receiver holds (`held` undefined: a new joiner takes any clock). */
export function isNewerClock(held: number | undefined, incoming: number): boolean {
  return held === undefined || incoming > held;
}

/**
 * A publisher's guard: `next` must be a positive safe integer above `last` (undefined before the
 * first publication). A clock that does not grow would be dropped by every member holding `last`.
 */
export function assertClockAdvances(last: number | undefined, next: number, communityHex: string): void {
  if (!Number.isSafeInteger(next) || next < 1) {
    throw new RangeError(`description clock must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, not ${String(next)}`);
  }
  if (last !== undefined && next <= last) {
    throw new BridgeError(
      "E_BRIDGE_CLOCK_NOT_ADVANCED",
      `community ${communityHex}: clock ${next} is not above the last one published (${last}); members holding ${last} would drop it: publish with a clock above ${last}`,
      { details: { community: communityHex, clock: next, last } },
    );
  }
}
