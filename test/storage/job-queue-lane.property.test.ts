/**
 * The job queue's lane for small jobs against a model, for any order of queued jobs and of runs
 * ending: no slot stays idle while a job waits, no more than `concurrency` runs plus one small one,
 * a small job waits only while the lane is busy, and a job is overtaken only by small jobs, one at
 * a time (the slots stay first come, first served: nothing is starved).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
import { JobQueue } from "../../src/storage/job-queue.js";
import { storageMetrics } from "../../src/storage/storage-metrics.js";

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("job queue with a lane for small jobs", () => {
  test("bounds, no idle slot, small jobs never wait behind a busy slot alone, only small jobs overtake", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.oneof(fc.record({ op: fc.constant("queue" as const), small: fc.boolean() }), fc.record({ op: fc.constant("end" as const), pick: fc.nat() })), { maxLength: 40 }),
        async (concurrency, ops) => {
          const small = new Map<string, boolean>();
          const ends = new Map<string, () => void>();
          const queued: string[] = [];
          const started: string[] = [];
          const queue = new JobQueue("upload", concurrency, storageMetrics(new Metrics()), (id) => {
            started.push(id);
            return new Promise<void>((resolve) => ends.set(id, resolve));
          }, (id) => small.get(id) === true);
          const check = (): void => {
            const running = [...ends.keys()];
            const waiting = queued.filter((id) => !started.includes(id));
            expect(running.length).toBeLessThanOrEqual(concurrency + 1);
            if (running.length === concurrency + 1) expect(running.some((id) => small.get(id))).toBe(true);
            if (waiting.length > 0) expect(running.length).toBeGreaterThanOrEqual(concurrency);
            // A small job waits only while the slots are full and the lane busy.
            if (waiting.some((id) => small.get(id))) expect(running.length).toBe(concurrency + 1);
            for (const w of waiting) {
              const overtakers = started.filter((id) => queued.indexOf(id) > queued.indexOf(w));
              for (const id of overtakers) expect(small.get(id), `${id} overtook ${w}`).toBe(true);
              expect(overtakers.filter((id) => ends.has(id)).length).toBeLessThanOrEqual(1);
            }
          };
          let n = 0;
          for (const o of ops) {
            if (o.op === "queue") {
              const id = `j${n++}`;
              small.set(id, o.small);
              queued.push(id);
              queue.enqueue(id);
            } else {
              const running = [...ends.keys()];
              if (running.length > 0) {
                const id = running[o.pick % running.length] as string;
                ends.get(id)?.();
                ends.delete(id);
              }
            }
            await flush();
            check();
          }
          // Everything runs once the runs end.
          while (ends.size > 0) {
            for (const [id, end] of [...ends]) {
              end();
              ends.delete(id);
            }
            await flush();
          }
          expect(started.sort()).toEqual([...queued].sort());
          await queue.close(new Error("end of test"));
        },
      ),
      { numRuns: 200 },
    );
  });
});
