/**
 * A stalled run (its pieces hang) gives its slot to the first job waiting at its next attempt and
 * queues again behind the jobs waiting then (JobQueue's TakeTurn); a run not stalled, or with nobody
 * waiting, keeps its slot. A cancel or a close while it is away ends it, holding nothing.
 */
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
import { JobQueue, type TakeTurn } from "../../src/storage/job-queue.js";
import { storageMetrics } from "../../src/storage/storage-metrics.js";

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A queue of `slots` whose runs end when the test says, and take turns through the TakeTurn the test calls. */
function queueOf(slots: number, small: ReadonlySet<string> = new Set()) {
  const started: string[] = [];
  const ends = new Map<string, () => void>();
  const turns = new Map<string, TakeTurn>();
  const signals = new Map<string, AbortSignal>();
  const metrics = new Metrics();
  const queue = new JobQueue(
    "download",
    slots,
    storageMetrics(metrics),
    async (id, signal, _lane, _park, turn) => {
      started.push(id);
      turns.set(id, turn);
      signals.set(id, signal);
      await new Promise<void>((resolve) => {
        ends.set(id, resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    },
    (id) => small.has(id),
  );
  /** The run's next attempt: resolves once it holds its slot again ("back"), or with its abort. */
  const attempt = (id: string, stalled: boolean): Promise<string> =>
    (turns.get(id) as TakeTurn)(stalled, signals.get(id) as AbortSignal).then(
      () => "back",
      (error: unknown) => (error as { code?: string }).code ?? "rejected",
    );
  return { queue, started, ends, attempt, metrics };
}

/** One slot: "hung" runs, then stalls with "b" and "c" queued behind it; `away` is its attempt waiting for its turn. */
async function awayBeforeTwo() {
  const setup = queueOf(1);
  for (const id of ["hung", "b", "c"]) setup.queue.enqueue(id);
  await flush();
  const away = setup.attempt("hung", true);
  await flush();
  return { ...setup, away };
}

describe("a stalled run", () => {
  test("gives its slot to the first job waiting and takes it back behind the jobs that were waiting, before later ones", async () => {
    const { queue, started, ends, attempt } = queueOf(1);
    queue.enqueue("hung");
    queue.enqueue("b");
    await flush();
    expect(await attempt("hung", false), "not stalled: it keeps its slot").toBe("back");
    expect(started).toEqual(["hung"]);
    let back: string | undefined;
    void attempt("hung", true).then((outcome) => (back = outcome));
    await flush();
    expect(started, "b runs in the slot the stalled run gave up").toEqual(["hung", "b"]);
    queue.enqueue("c");
    // Its other pieces wait with it: no attempt while it is away, stalled or not.
    let other: string | undefined;
    void attempt("hung", false).then((outcome) => (other = outcome));
    ends.get("b")?.();
    await flush();
    expect([back, other], "the stalled run took the slot b gave back, before c, queued after it left").toEqual(["back", "back"]);
    expect(started).toEqual(["hung", "b"]);
    ends.get("hung")?.();
    await flush();
    expect(started).toEqual(["hung", "b", "c"]);
    ends.get("c")?.();
    await queue.close(new Error("end of test"));
  });

  test("keeps its slot when no job waits, and gives it only to a job not yet started (two stalled runs do not trade it)", async () => {
    const { queue, started, ends, attempt } = queueOf(1);
    queue.enqueue("hung");
    await flush();
    expect(await attempt("hung", true), "nobody waits").toBe("back");
    queue.enqueue("hung2");
    let away: string | undefined;
    void attempt("hung", true).then((outcome) => (away = outcome));
    await flush();
    expect(started).toEqual(["hung", "hung2"]);
    expect(await attempt("hung2", true), "only a run away waits: hung2 keeps the slot").toBe("back");
    expect(away).toBeUndefined();
    ends.get("hung2")?.();
    await flush();
    expect(away).toBe("back");
    ends.get("hung")?.();
    await queue.close(new Error("end of test"));
  });

  test("the lane's run gives the lane only to a small job", async () => {
    const { queue, started, ends, attempt } = queueOf(1, new Set(["s", "s2"]));
    queue.enqueue("a");
    queue.enqueue("s");
    await flush();
    expect(started, "a in the slot, s in the lane").toEqual(["a", "s"]);
    queue.enqueue("large");
    expect(await attempt("s", true), "a large job cannot take the lane").toBe("back");
    queue.enqueue("s2");
    let back: string | undefined;
    void attempt("s", true).then((outcome) => (back = outcome));
    await flush();
    expect(started, "s2 in the lane s gave up").toEqual(["a", "s", "s2"]);
    ends.get("s2")?.();
    await flush();
    expect(back).toBe("back");
    for (const id of ["a", "s"]) ends.get(id)?.();
    await flush();
    expect(started).toEqual(["a", "s", "s2", "large"]);
    ends.get("large")?.();
    await queue.close(new Error("end of test"));
  });

  test("a cancel while it is away ends it and leaves the slot to the queue; the queue's depth counts only jobs not started", async () => {
    const { queue, started, ends, metrics, away } = await awayBeforeTwo();
    expect(started).toEqual(["hung", "b"]);
    expect((await metrics.text()).split("\n"), "c waits; hung runs").toContain('status_compat_storage_queue_depth{kind="download"} 1');
    expect(queue.has("hung")).toBe(true);
    expect(queue.abort("hung", new Error("cancelled"))).toBe("active");
    expect(await away).not.toBe("back");
    ends.get("b")?.();
    await flush();
    expect(started, "c takes b's slot; hung holds none").toEqual(["hung", "b", "c"]);
    ends.get("c")?.();
    await queue.close(new Error("end of test"));
  });

  test("a close while it is away ends it and drops only the jobs not started", async () => {
    const { queue, away } = await awayBeforeTwo();
    expect(await queue.close(new Error("stopped"))).toEqual(["c"]);
    expect(await away).not.toBe("back");
  });
});
