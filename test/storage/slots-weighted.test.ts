/**
 * Slots as a budget of bytes (the client's transfer memory): a holder takes its weight, waiters
 * are served in order without a light one overtaking a heavy one, one heavier than the whole budget
 * runs alone, and idle holders give up until a heavy waiter fits.
 */
import { describe, expect, test } from "vitest";
import { Slots } from "../../src/storage/slots.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("weighted slots", () => {
  test("holders take their weight; a heavy waiter is served before lighter ones queued after it; held says what is taken", async () => {
    const budget = new Slots(10);
    const a = await budget.acquire(undefined, "a", 6);
    expect(budget.held).toBe(6);
    const order: string[] = [];
    const heavy = budget.acquire(undefined, "heavy", 8).then((r) => (order.push("heavy"), r));
    // It would fit now (6 + 3 ≤ 10), but the heavy one asked first.
    const light = budget.acquire(undefined, "light", 3).then((r) => (order.push("light"), r));
    await tick();
    expect(order).toEqual([]);
    a();
    await tick();
    expect(order).toEqual(["heavy"]);
    (await heavy)();
    await tick();
    expect(order).toEqual(["heavy", "light"]);
    (await light)();
    expect(budget.held).toBe(0);
  });

  test("a holder heavier than the whole budget waits until every unit is free and then runs alone", async () => {
    const budget = new Slots(10);
    const small = await budget.acquire(undefined, "small", 1);
    let granted = false;
    const huge = budget.acquire(undefined, "huge", 25).then((r) => ((granted = true), r));
    await tick();
    expect(granted).toBe(false);
    small();
    const release = await huge;
    expect(budget.held).toBe(25);
    let next = false;
    const after = budget.acquire(undefined, "after", 1).then((r) => ((next = true), r));
    await tick();
    expect(next).toBe(false);
    release();
    (await after)();
    expect(budget.held).toBe(0);
  });

  test("a heavy waiter that gives up lets the lighter ones behind it through at once", async () => {
    const budget = new Slots(10);
    const held = await budget.acquire(undefined, "held", 6);
    const leave = new AbortController();
    const heavy = budget.acquire(leave.signal, "heavy", 8);
    let lightGranted = false;
    const light = budget.acquire(undefined, "light", 4).then((r) => ((lightGranted = true), r));
    leave.abort(new Error("closed"));
    await expect(heavy).rejects.toMatchObject({ code: "E_ABORTED" });
    await tick();
    expect(lightGranted).toBe(true);
    (await light)();
    held();
  });

  test("idle holders give up one after another until a heavy waiter fits", async () => {
    const budget = new Slots(10);
    const gaveUp: string[] = [];
    const idle = async (name: string): Promise<void> => {
      const release = await budget.acquire(undefined, name, 4);
      budget.offer(0, async () => {
        gaveUp.push(name);
        release();
      });
    };
    await idle("one");
    await idle("two");
    // 8 held, 2 free: the waiter needs 7, so both idle holders must go.
    const release = await budget.acquire(undefined, "heavy", 7);
    expect(gaveUp.sort()).toEqual(["one", "two"]);
    expect(budget.held).toBe(7);
    release();
  });
});
