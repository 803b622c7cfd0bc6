/**
 * The lane's small job and the transfer memory (Slots.acquire with `overtake`): it takes what is
 * free now even while a heavier waiter asked first, never more than is free, and the heavier one
 * is served first once units come back.
 */
import { describe, expect, test } from "vitest";
import { Slots } from "../../src/storage/slots.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("slots a light holder may overtake in", () => {
  test("an overtaking light holder takes free units past a heavy waiter; the heavy one is served at the next release", async () => {
    const budget = new Slots(10);
    const a = await budget.acquire(undefined, "a", 6);
    const order: string[] = [];
    const heavy = budget.acquire(undefined, "heavy", 8).then((r) => (order.push("heavy"), r));
    const lane = await budget.acquire(undefined, "lane", 3, true);
    expect(budget.held).toBe(9);
    // A second light one that may not overtake waits behind the heavy one, as before.
    const light = budget.acquire(undefined, "light", 1).then((r) => (order.push("light"), r));
    await tick();
    expect(order).toEqual([]);
    a();
    lane();
    await tick();
    expect(order).toEqual(["heavy", "light"]);
    (await heavy)();
    (await light)();
    expect(budget.held).toBe(0);
  });

  test("an overtaking holder that does not fit in what is free waits in order", async () => {
    const budget = new Slots(10);
    const a = await budget.acquire(undefined, "a", 8);
    const order: string[] = [];
    const heavy = budget.acquire(undefined, "heavy", 6).then((r) => (order.push("heavy"), r));
    const lane = budget.acquire(undefined, "lane", 3, true).then((r) => (order.push("lane"), r));
    await tick();
    expect(order).toEqual([]);
    a();
    await tick();
    expect(order).toEqual(["heavy", "lane"]);
    (await heavy)();
    (await lane)();
    expect(budget.held).toBe(0);
  });

  test("overtaking holders take turns one at a time: two lanes (uploads, downloads) alternating do not keep a heavy waiter from every unit", async () => {
    const budget = new Slots(10);
    const a = await budget.acquire(undefined, "a", 4);
    let heavy: (() => void) | undefined;
    // Heavier than the whole budget: granted alone, once every unit is free.
    void budget.acquire(undefined, "heavy", 12).then((r) => (heavy = r));
    const lanes = [await budget.acquire(undefined, "upload lane", 3, true)];
    const second = budget.acquire(undefined, "download lane", 3, true);
    let secondGranted = false;
    void second.then((release) => {
      secondGranted = true;
      if (heavy === undefined) lanes.push(release);
    });
    await tick();
    a();
    // The lanes' small jobs: each ends and the next of its lane asks at once, the two lanes in turn.
    for (let i = 0; i < 20 && heavy === undefined; i++) {
      lanes.shift()?.();
      await tick();
      if (heavy !== undefined) break;
      const next = budget.acquire(undefined, `small ${i}`, 3, true);
      let granted: (() => void) | undefined;
      void next.then((r) => (granted = r));
      await tick();
      if (granted !== undefined) lanes.push(granted);
    }
    // Before: never, one lane's holder always in the way of "every unit free".
    expect(heavy, "the heavy waiter is served").toBeDefined();
    heavy?.();
    for (const release of lanes) release();
    // Waiting its turn behind the heavy one, it is served once that one is done.
    if (!secondGranted) (await second)();
  });
});
