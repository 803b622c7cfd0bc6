/**
 * Group commit for a download's temp file: a piece is journaled only after a datasync that began
 * after its write had finished, one sync runs at a time, a piece's promise settles only once it is
 * journaled, and a failed sync fails its group and everything after it (and stops the next piece).
 */
import type { FileHandle } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { GroupSync } from "../../src/storage/download/group-sync.js";

interface Sync {
  /** Pieces handed over before this sync began. */
  readonly begunAfter: number[];
  finish(error?: Error): void;
}

/** A handle whose datasyncs the test finishes one by one. */
function scriptedHandle(added: number[]): { handle: FileHandle; syncs: Sync[]; running: () => number; lastFinished: () => Sync | undefined } {
  const syncs: Sync[] = [];
  let running = 0;
  let last: Sync | undefined;
  const handle = {
    datasync: () =>
      new Promise<void>((resolve, reject) => {
        running++;
        const sync: Sync = {
          begunAfter: [...added],
          finish: (error) => {
            running--;
            last = sync;
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        syncs.push(sync);
      }),
  } as unknown as FileHandle;
  return { handle, syncs, running: () => running, lastFinished: () => last };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("group sync of downloaded pieces", () => {
  test("a piece is journaled only after a sync that began after it was handed over, once; one sync at a time; its promise settles after its journal row", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), async (script) => {
        const added: number[] = [];
        const { handle, syncs, running, lastFinished } = scriptedHandle(added);
        const journaled: number[] = [];
        const group = new GroupSync(handle, (pieces) => {
          // Journaled right after the sync that just finished: it must have begun after each of them was handed over.
          expect(pieces.every((p) => lastFinished()?.begunAfter.includes(p) === true)).toBe(true);
          journaled.push(...pieces);
        });
        const settled: Promise<void>[] = [];
        let finished = 0;
        // true: hand over the next piece (its write has finished); false: let the oldest running sync finish.
        for (const handOver of script) {
          if (handOver) {
            const index = added.length;
            added.push(index);
            settled.push(group.durable(index).then(() => expect(journaled).toContain(index)));
          } else if (finished < syncs.length) {
            (syncs[finished++] as Sync).finish();
          }
          await tick();
          expect(running()).toBeLessThanOrEqual(1);
        }
        while (finished < syncs.length || running() > 0) {
          if (finished < syncs.length) (syncs[finished++] as Sync).finish();
          await tick();
        }
        await Promise.all(settled);
        await group.settle();
        expect([...journaled].sort((a, b) => a - b)).toEqual(added);
      }),
      { numRuns: 60 },
    );
  });

  test("a failed sync journals nothing of its group, rejects it and every later piece, and settle() still waits for it", async () => {
    const { handle, syncs } = scriptedHandle([]);
    const journaled: number[] = [];
    const group = new GroupSync(handle, (pieces) => journaled.push(...pieces));
    const first = group.durable(0);
    await tick();
    const waiting = group.durable(1);
    const settled = group.settle();
    (syncs[0] as Sync).finish(Object.assign(new Error("EIO"), { code: "EIO" }));
    await settled;
    await expect(first).rejects.toThrow("EIO");
    await expect(waiting).rejects.toThrow("EIO");
    await expect(group.durable(2)).rejects.toThrow("EIO");
    expect(journaled).toEqual([]);
    expect(syncs.length).toBe(1);
  });

  test("throwIfFailed is quiet while syncs succeed or run, and throws the failed sync's error afterwards (the next piece is not fetched)", async () => {
    const { handle, syncs } = scriptedHandle([]);
    const group = new GroupSync(handle, () => undefined);
    const ok = group.durable(0);
    group.throwIfFailed(); // a sync is running: nothing has failed yet
    await tick();
    (syncs[0] as Sync).finish();
    await ok;
    group.throwIfFailed();
    const failing = group.durable(1);
    failing.catch(() => undefined);
    await tick();
    (syncs[1] as Sync).finish(Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }));
    await group.settle();
    expect(() => group.throwIfFailed()).toThrow("ENOSPC");
    await expect(failing).rejects.toThrow("ENOSPC");
  });

  test("a journal write that throws fails the pieces of that sync the same way", async () => {
    const { handle, syncs } = scriptedHandle([]);
    const group = new GroupSync(handle, () => {
      throw new Error("SQLITE_FULL");
    });
    const piece = group.durable(0);
    await tick();
    (syncs[0] as Sync).finish();
    await expect(piece).rejects.toThrow("SQLITE_FULL");
  });
});
