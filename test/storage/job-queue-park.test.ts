/**
 * A run that waits on another run (a download waiting for its destination) parks: its slot goes to
 * the next queued job meanwhile, and it takes a slot back, before any job still queued, once its
 * wait has ended. A cancel or a close while it waits, or while it waits for its slot back, ends it.
 */
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
import { JobQueue, type Park } from "../../src/storage/job-queue.js";
import { storageMetrics } from "../../src/storage/storage-metrics.js";
import { gate } from "../support/gate.js";

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A queue of one slot whose runs end when the test says, and park on the gate the test gives. */
function queueOfOne() {
  const started: string[] = [];
  const ends = new Map<string, () => void>();
  const parks = new Map<string, Park>();
  const outcomes = new Map<string, string>();
  const queue = new JobQueue("download", 1, storageMetrics(new Metrics()), async (id, signal, _lane, park) => {
    started.push(id);
    parks.set(id, park);
    try {
      await new Promise<void>((resolve, reject) => {
        ends.set(id, resolve);
        signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
      });
      outcomes.set(id, "ended");
    } catch (error) {
      outcomes.set(id, (error as { code?: string }).code ?? "aborted");
    }
  });
  return { queue, started, ends, parks, outcomes };
}

describe("a parked run", () => {
  test("gives its slot to the next queued job, and takes one back before the jobs still queued", async () => {
    const { queue, started, ends, parks } = queueOfOne();
    queue.enqueue("a");
    await flush();
    const other = gate();
    let back = false;
    void (parks.get("a") as Park)(() => other.wait).then(() => (back = true));
    queue.enqueue("b");
    queue.enqueue("c");
    await flush();
    expect(started, "b ran in the slot a gave up").toEqual(["a", "b"]);
    other.open();
    await flush();
    expect(back, "a waits for a slot: b holds the only one").toBe(false);
    ends.get("b")?.();
    await flush();
    expect(back, "a took the slot b gave back").toBe(true);
    expect(started, "c still queued behind a").toEqual(["a", "b"]);
    ends.get("a")?.();
    await flush();
    expect(started).toEqual(["a", "b", "c"]);
    ends.get("c")?.();
    await queue.close(new Error("end of test"));
  });

  test("a cancel while it waits for its slot back ends it and leaves the slot to the queue", async () => {
    const { queue, started, ends, parks } = queueOfOne();
    queue.enqueue("a");
    await flush();
    const parked = (parks.get("a") as Park)(() => Promise.resolve()).catch((e: unknown) => e);
    queue.enqueue("b");
    queue.enqueue("c");
    await flush();
    expect(started).toEqual(["a", "b"]);
    expect(queue.abort("a", new Error("cancelled"))).toBe("active");
    expect(await parked).toBeInstanceOf(Error);
    ends.get("b")?.();
    await flush();
    expect(started, "c runs in b's slot; a took none").toEqual(["a", "b", "c"]);
    ends.get("c")?.();
    await flush();
    queue.enqueue("d");
    await flush();
    expect(started, "one slot, not two or none").toEqual(["a", "b", "c", "d"]);
    ends.get("d")?.();
    await queue.close(new Error("end of test"));
  });

  test("the lane's job, parked while another small job took the lane, comes back into a free slot rather than wait for the lane", async () => {
    const small = new Set(["s", "s2"]);
    const started: string[] = [];
    const ends = new Map<string, () => void>();
    const parks = new Map<string, Park>();
    const queue = new JobQueue(
      "download",
      1,
      storageMetrics(new Metrics()),
      async (id, signal, _lane, park) => {
        started.push(id);
        parks.set(id, park);
        await new Promise<void>((resolve) => {
          ends.set(id, resolve);
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      },
      (id) => small.has(id),
    );
    queue.enqueue("a");
    queue.enqueue("s");
    await flush();
    expect(started, "a in the slot, s in the lane").toEqual(["a", "s"]);
    const other = gate();
    let back = false;
    void (parks.get("s") as Park)(() => other.wait).then(() => (back = true));
    queue.enqueue("s2");
    await flush();
    expect(started, "s2 in the lane s gave up").toEqual(["a", "s", "s2"]);
    ends.get("a")?.();
    other.open();
    await flush();
    expect(back, "s took the free slot; s2 still holds the lane").toBe(true);
    queue.enqueue("l");
    await flush();
    expect(started, "l waits: s holds the one slot, s2 the lane").toEqual(["a", "s", "s2"]);
    ends.get("s")?.();
    await flush();
    expect(started).toEqual(["a", "s", "s2", "l"]);
    await queue.close(new Error("end of test"));
  });

  test("a close while it waits ends it, holding nothing", async () => {
    const { queue, parks } = queueOfOne();
    queue.enqueue("a");
    await flush();
    const parked = (parks.get("a") as Park)(() => new Promise<never>(() => undefined)).catch((e: unknown) => e);
    await flush();
    await queue.close(new Error("stopped"));
    // A wait that does not watch the signal itself still ends the park.
    expect(await Promise.race([parked, Promise.resolve("still parked")])).not.toBe("still parked");
  });
});
