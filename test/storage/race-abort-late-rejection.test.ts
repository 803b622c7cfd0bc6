import { afterEach, describe, expect, it } from "vitest";
import { raceAbort, raceSignal } from "../../src/storage/abort-error.js";

/** A promise settled by hand, standing for a callee that ignores the signal it was given. */
function deferred<T>(): { promise: Promise<T>; reject(error: unknown): void } {
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((_, no) => {
    reject = no;
  });
  return { promise, reject };
}

/** One macrotask: Node reports a rejection nobody handled once the microtasks before it ran. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("raceAbort: the loser is left to settle on its own", () => {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    seen.push(reason);
  };
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
    seen.length = 0;
  });

  for (const [name, race] of [
    ["raceAbort", (p: Promise<unknown>, s: AbortSignal) => raceAbort(p, s)],
    ["raceSignal", (p: Promise<unknown>, s: AbortSignal) => raceSignal(p, s, "a test call")],
  ] as const) {
    it(`${name}: a callee that rejects after the race was lost to a signal aborted before it began is no unhandled rejection`, async () => {
      process.on("unhandledRejection", onUnhandled);
      const callee = deferred<string>();
      const controller = new AbortController();
      const reason = new Error("stopped before the call");
      controller.abort(reason);
      const raced = race(callee.promise, controller.signal);
      await expect(raced).rejects.toBeDefined();
      callee.reject(new Error("the callee's own late failure"));
      await nextTurn();
      await nextTurn();
      expect(seen).toEqual([]);
    });

    it(`${name}: the same when the signal fires during the call`, async () => {
      process.on("unhandledRejection", onUnhandled);
      const callee = deferred<string>();
      const controller = new AbortController();
      const raced = race(callee.promise, controller.signal);
      controller.abort(new Error("stopped during the call"));
      await expect(raced).rejects.toBeDefined();
      callee.reject(new Error("the callee's own late failure"));
      await nextTurn();
      await nextTurn();
      expect(seen).toEqual([]);
    });
  }
});
