import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { orderedWindow } from "../../src/storage/ordered-window.js";

describe("ordered window", () => {
  test("results come in index order, never more than `width` tasks run at once, and a slot is reused only after its result was consumed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 30, maxLength: 30 }), async (count, width, delays) => {
        let running = 0;
        let peak = 0;
        const slotBusy = new Set<number>();
        const seen: number[] = [];
        for await (const item of orderedWindow(count, width, new AbortController().signal, async (i, slot) => {
          expect(slotBusy.has(slot)).toBe(false);
          slotBusy.add(slot);
          running++;
          peak = Math.max(peak, running);
          await sleep(delays[i] as number);
          running--;
          return i * 10;
        })) {
          expect(item.value).toBe(item.index * 10);
          seen.push(item.index);
          slotBusy.delete(item.slot);
        }
        expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(peak).toBeLessThanOrEqual(width);
      }),
      { numRuns: 30 },
    );
  });

  test("a signal aborted before the window begins starts no task and ends the iteration with E_ABORTED", async () => {
    const cancelled = new AbortController();
    cancelled.abort(new Error("cancelled before it began"));
    let started = 0;
    const run = async (): Promise<void> => {
      for await (const _ of orderedWindow(5, 2, cancelled.signal, async () => {
        started++;
        return 0;
      })) {
        // never reached
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(started).toBe(0);
  });

  test("the first failure is what the consumer sees, even when it happens ahead of the item being awaited; the others are aborted and awaited", async () => {
    const aborted: number[] = [];
    const settled: number[] = [];
    const run = async (): Promise<unknown> => {
      for await (const _ of orderedWindow(10, 4, new AbortController().signal, async (i, _slot, signal) => {
        try {
          if (i === 2) {
            await sleep(5);
            throw new Error("piece 2 broke");
          }
          await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, 500);
            signal.addEventListener("abort", () => {
              clearTimeout(t);
              aborted.push(i);
              reject(new Error("aborted"));
            });
          });
          return i;
        } finally {
          settled.push(i);
        }
      })) {
        // consume
      }
      return undefined;
    };
    const error = await run().catch((e: unknown) => e);
    expect((error as Error).message).toBe("piece 2 broke");
    expect(aborted.sort()).toEqual([0, 1, 3]);
    expect(settled.sort()).toEqual([0, 1, 2, 3]);
  });

  test("leaving the loop early aborts and awaits the tasks still running", async () => {
    let live = 0;
    for await (const item of orderedWindow(10, 3, new AbortController().signal, async (i, _slot, signal) => {
      live++;
      try {
        if (i > 0) await new Promise((resolve) => signal.addEventListener("abort", resolve));
        return i;
      } finally {
        live--;
      }
    })) {
      expect(item.index).toBe(0);
      break;
    }
    expect(live).toBe(0);
  });
});
