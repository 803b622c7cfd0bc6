import { describe, expect, test } from "vitest";
import { LanedSlots } from "../../src/storage/small-jobs.js";
import { gate } from "../support/gate.js";

/** A holder that ends when the test opens its gate, recording when it started and ended. */
function holder(log: string[], name: string) {
  const g = gate();
  return {
    open: g.open,
    work: async () => {
      log.push(`${name} start`);
      await g.wait;
      log.push(`${name} end`);
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("LanedSlots: a lane of one for small holders beside first-come slots", () => {
  test("a small holder runs in the lane while every slot is held by large ones queued before it", async () => {
    const log: string[] = [];
    const bound = new LanedSlots(1);
    const large = [0, 1].map((i) => holder(log, `large${i}`));
    const small = holder(log, "small");
    const runs = [bound.runLaned(undefined, "t", false, large[0]!.work), bound.runLaned(undefined, "t", false, large[1]!.work), bound.runLaned(undefined, "t", true, small.work)];
    await turn();
    expect(log).toEqual(["large0 start", "small start"]);
    small.open();
    large[0]!.open();
    large[1]!.open();
    await Promise.all(runs);
    expect(log.indexOf("large1 start")).toBeGreaterThan(log.indexOf("large0 end"));
  });

  test("a large holder waiting for a slot gets it before small ones queued after it, however many keep coming: never starved", async () => {
    const log: string[] = [];
    const bound = new LanedSlots(1);
    const first = holder(log, "large0");
    const runs = [bound.runLaned(undefined, "t", false, first.work)];
    const waiting = holder(log, "large1");
    runs.push(bound.runLaned(undefined, "t", false, waiting.work));
    const smalls = Array.from({ length: 4 }, (_, i) => holder(log, `small${i}`));
    for (const s of smalls) runs.push(bound.runLaned(undefined, "t", true, s.work));
    await turn();
    // One small one in the lane, the others wait.
    expect(log).toEqual(["large0 start", "small0 start"]);
    first.open();
    await turn();
    await turn();
    // The slot goes to the large one waiting, not to a small one queued after it.
    expect(log.slice(2)).toEqual(["large0 end", "large1 start"]);
    for (const s of smalls) s.open();
    waiting.open();
    await Promise.all(runs);
    expect(log.filter((l) => l.endsWith("end"))).toHaveLength(6);
  });

  test("at most slots + 1 hold at once, and a small holder takes a free slot when there is one", async () => {
    const bound = new LanedSlots(2);
    const slots = bound;
    let now = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, () => gate());
    const runs = gates.map((g, i) =>
      bound.runLaned(undefined, "t", i % 2 === 0, async () => {
        now++;
        peak = Math.max(peak, now);
        await g.wait;
        now--;
      }),
    );
    await turn();
    // small0 and large1 in the slots, small2 in the lane.
    expect(now).toBe(3);
    expect(slots.held).toBe(2);
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(peak).toBe(3);
    expect(slots.held).toBe(0);
  });

  test("a small holder whose signal fires while it waits rejects with the typed error and holds nothing", async () => {
    const bound = new LanedSlots(1);
    const slots = bound;
    const large = gate();
    const lane = gate();
    const runs = [bound.runLaned(undefined, "t", false, () => large.wait), bound.runLaned(undefined, "t", true, () => lane.wait)];
    const controller = new AbortController();
    let ran = false;
    const waiting = bound.runLaned(controller.signal, "a small check", true, async () => {
      ran = true;
    });
    await turn();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "E_ABORTED" });
    large.open();
    lane.open();
    await Promise.all(runs);
    expect(ran).toBe(false);
    expect(slots.held).toBe(0);
    // Both the slot and the lane are free again: two small ones run at once.
    const both = [gate(), gate()];
    let together = 0;
    const after = both.map((g) =>
      bound.runLaned(undefined, "t", true, async () => {
        together++;
        await g.wait;
      }),
    );
    await turn();
    expect(together).toBe(2);
    for (const g of both) g.open();
    await Promise.all(after);
  });
});
