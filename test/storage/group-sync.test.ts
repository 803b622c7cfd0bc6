/**
 * Group commit for a download's temp file: a piece is journaled only after a datasync that began
 * after its write had finished, one sync at a time, and a failed sync stops everything after it.
 */
import type { FileHandle } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { GroupSync } from "../../src/storage/download/group-sync.js";

/** A handle whose datasyncs the test finishes one by one; it records what was added before each began. */
function scriptedHandle(): {
  handle: FileHandle;
  syncs: { begunAfter: number[]; finish: (error?: Error) => void }[];
  running: () => number;
  lastFinished: () => { begunAfter: number[] } | undefined;
} {
  const syncs: { begunAfter: number[]; finish: (error?: Error) => void }[] = [];
  let running = 0;
  let last: { begunAfter: number[] } | undefined;
  const added: number[] = [];
  const handle = {
    added,
    datasync: () =>
      new Promise<void>((resolve, reject) => {
        running++;
        const sync = {
          begunAfter: [...added],
          finish: (error?: Error) => {
            running--;
            last = sync;
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        syncs.push(sync);
      }),
  } as unknown as FileHandle & { added: number[] };
  return { handle, syncs, running: () => running, lastFinished: () => last };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("group sync of downloaded pieces", () => {
  test("every journaled piece was added before a sync that had begun and finished; one sync runs at a time; all are journaled once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), async (script) => {
        const { handle, syncs, running, lastFinished } = scriptedHandle();
        const journaled: number[] = [];
        const group = new GroupSync(handle, (pieces) => {
          // Journaled right after the sync that just finished: it must have begun after each of them was added.
          expect(pieces.every((p) => lastFinished()?.begunAfter.includes(p) === true)).toBe(true);
          journaled.push(...pieces);
        });
        let next = 0;
        let finished = 0;
        // true: add the next piece (its write has finished); false: let the oldest running sync finish.
        for (const addPiece of script) {
          if (addPiece) {
            (handle as unknown as { added: number[] }).added.push(next);
            group.add(next++);
          } else if (finished < syncs.length) {
            (syncs[finished++] as { finish: () => void }).finish();
          }
          await tick();
          expect(running()).toBeLessThanOrEqual(1);
        }
        const drained = group.drain();
        while (finished < syncs.length || running() > 0) {
          if (finished < syncs.length) (syncs[finished++] as { finish: () => void }).finish();
          await tick();
        }
        await drained;
        expect([...journaled].sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
      }),
      { numRuns: 60 },
    );
  });

  test("a failed sync journals nothing of its group, fails the next add and drain, and settle() still waits for it", async () => {
    const { handle, syncs } = scriptedHandle();
    const journaled: number[] = [];
    const group = new GroupSync(handle, (pieces) => journaled.push(...pieces));
    group.add(0);
    await tick();
    const settled = group.settle();
    (syncs[0] as { finish: (e?: Error) => void }).finish(Object.assign(new Error("EIO"), { code: "EIO" }));
    await settled;
    expect(journaled).toEqual([]);
    expect(() => group.add(1)).toThrow("EIO");
    await expect(group.drain()).rejects.toThrow("EIO");
  });

  test("a journal write that throws fails the download the same way", async () => {
    const { handle, syncs } = scriptedHandle();
    const group = new GroupSync(handle, () => {
      throw new Error("SQLITE_FULL");
    });
    group.add(0);
    await tick();
    (syncs[0] as { finish: () => void }).finish();
    await expect(group.drain()).rejects.toThrow("SQLITE_FULL");
  });
});
