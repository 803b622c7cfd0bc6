/**
 * linkedSignal on a TimerPort other than the process's timers: the bridge's receiver runs its
 * fetch's per-attempt timeout and deadline on its BridgeClock (a manual clock in its tests), so the
 * timeout, touch, pause and resume must read that port's time and arm that port's timers only.
 */
import { describe, expect, test } from "vitest";
import { linkedSignal, timeLeft } from "../../src/storage/retry/linked-signal.js";
import { ManualClock } from "../bridge/manual-clock.js";

/** Resolves with the signal's reason once it aborts (the timeout's last step waits for the sockets to be read). */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason), { once: true }));
}

// Far beyond the test's own timeout: a timer armed on the process's clock instead would never fire here.
const TIMEOUT_MS = 600_000;

describe("linkedSignal on a given timer port", () => {
  test("its timer is the port's, and it times out when the port's time has passed, not the process's", async () => {
    const clock = new ManualClock();
    const linked = linkedSignal(new AbortController().signal, TIMEOUT_MS, "fetch attempt 1 of community 0x02… clock 3", clock);
    expect(clock.pending).toBe(1);
    expect(timeLeft(linked.signal)).toBe(TIMEOUT_MS);
    clock.advance(TIMEOUT_MS - 1);
    expect(linked.signal.aborted).toBe(false);
    expect(timeLeft(linked.signal)).toBe(1);
    const reason = aborted(linked.signal);
    clock.advance(1);
    const error = (await reason) as DOMException;
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe(`fetch attempt 1 of community 0x02… clock 3 took longer than ${TIMEOUT_MS} ms`);
    linked.dispose();
    expect(clock.pending).toBe(0);
  });

  test("touch counts the timeout again from the port's now; pause holds it while the port's time passes", async () => {
    const clock = new ManualClock();
    const linked = linkedSignal(undefined, 1_000, "get of piece 2", clock);
    clock.advance(600);
    linked.touch();
    clock.advance(600);
    expect(linked.signal.aborted).toBe(false);
    expect(timeLeft(linked.signal)).toBe(400);
    linked.pause();
    clock.advance(5_000); // the timer fires while paused: dormant, no timer armed
    expect(clock.pending).toBe(0);
    expect(timeLeft(linked.signal)).toBe(400);
    linked.resume();
    expect(clock.pending).toBe(1);
    clock.advance(399);
    expect(linked.signal.aborted).toBe(false);
    const reason = aborted(linked.signal);
    clock.advance(1);
    expect(((await reason) as DOMException).message).toBe("get of piece 2 made no progress for 1000 ms");
    linked.dispose();
    expect(clock.pending).toBe(0);
  });

  test("dispose cancels the port's timer and leaves the parent alone", () => {
    const clock = new ManualClock();
    const parent = new AbortController();
    const linked = linkedSignal(parent.signal, 1_000, "fetch of community 0x02… clock 3", clock);
    linked.dispose();
    expect(clock.pending).toBe(0);
    parent.abort(new Error("receiver closed"));
    clock.advance(2_000);
    expect(linked.signal.aborted).toBe(false);
  });
});
