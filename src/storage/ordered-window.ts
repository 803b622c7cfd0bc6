import { setMaxListeners } from "node:events";
import { throwIfAborted } from "./abort-error.js";
import { inheritTimeLeft, linkedSignal } from "./retry/index.js";

export interface WindowItem<T> {
  readonly index: number;
  /** index % width: the slot whose buffers the task used; free again once the consumer moves on. */
  readonly slot: number;
  readonly value: T;
}

/** Marks the abort this window makes itself when one task fails, so the siblings' abort errors are not mistaken for the cause. */
const SIBLING_FAILED = new Error("another piece failed");

/**
 * Runs `count` tasks with at most `width` in flight and hands their results over in index order.
 * Task i + width starts only after the consumer is done with result i, so a task may own slot
 * (i % width)'s buffers outright: memory is bounded by the width, never by the count. The first
 * failure aborts the rest and is what the consumer sees; leaving early (break, throw) aborts and
 * awaits every running task, so nothing outlives the loop.
 */
export async function* orderedWindow<T>(
  count: number,
  width: number,
  signal: AbortSignal,
  task: (index: number, slot: number, signal: AbortSignal) => Promise<T>,
): AsyncGenerator<WindowItem<T>, void, undefined> {
  const link = linkedSignal(signal, undefined, "piece window");
  const controller = new AbortController();
  // The tasks' retries ask how long the job has left (Retry-After, a transfer too slow for the deadline).
  inheritTimeLeft(controller.signal, link.signal);
  // Each task in flight listens on it a few times (its attempt's deadline, its turn at the file hash): by design, not a leak.
  setMaxListeners(Math.max(10, width * 4), controller.signal);
  const onLink = (): void => controller.abort(link.signal.reason);
  link.signal.addEventListener("abort", onLink, { once: true });
  const running = new Map<number, Promise<T>>();
  let firstError: { error: unknown } | undefined;
  let started = 0;
  const launch = (consumed: number): void => {
    while (started < count && started < consumed + width) {
      const index = started++;
      const promise = task(index, index % width, controller.signal);
      running.set(index, promise);
      promise.catch((error: unknown) => {
        if (firstError === undefined && controller.signal.reason !== SIBLING_FAILED && !controller.signal.aborted) {
          firstError = { error };
          controller.abort(SIBLING_FAILED);
        }
      });
    }
  };
  try {
    // Cancelled before the window began (no abort event will come): no task starts at all.
    throwIfAborted(link.signal, "piece window");
    for (let i = 0; i < count; i++) {
      launch(i);
      let value: T;
      try {
        value = await (running.get(i) as Promise<T>);
      } catch (error) {
        throw firstError !== undefined ? firstError.error : error;
      }
      running.delete(i);
      yield { index: i, slot: i % width, value };
    }
  } finally {
    if (running.size > 0) {
      if (!controller.signal.aborted) controller.abort(SIBLING_FAILED);
      await Promise.allSettled(running.values());
    }
    link.signal.removeEventListener("abort", onLink);
    link.dispose();
  }
}
