/** The upload's stores that outlive its window, and the sealed buffers they hold. */
import { describe, expect, test } from "vitest";
import { BufferPool, LeasedBuffers } from "../../src/storage/file-io.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { BackgroundStores } from "../../src/storage/upload/background-stores.js";

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("BackgroundStores", () => {
  test("the first failure aborts the signal, and done() reports it once every store has settled", async () => {
    const stores = new BackgroundStores(new AbortController().signal);
    const a = deferred();
    const b = deferred();
    const cleaned: string[] = [];
    stores.add(a.promise, () => cleaned.push("a"));
    stores.add(b.promise, () => cleaned.push("b"));
    const failure = new StorageError("E_BACKEND_REJECTED", "refused (test)");
    a.reject(failure);
    await Promise.resolve();
    await Promise.resolve();
    expect(stores.signal.aborted).toBe(true);
    let finished = false;
    const done = stores.done().finally(() => (finished = true));
    done.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    // b still runs: done() must wait for it.
    expect(finished).toBe(false);
    b.reject(new Error("aborted because a failed"));
    await expect(done).rejects.toBe(failure);
    expect(stores.failure).toBe(failure);
    expect(cleaned.sort()).toEqual(["a", "b"]);
    stores.dispose();
  });

  test("the job's abort stops them all and is what done() reports; no store's failure is blamed", async () => {
    const job = new AbortController();
    const stores = new BackgroundStores(job.signal);
    const a = deferred();
    stores.add(a.promise, () => undefined);
    job.abort(new Error("user cancelled"));
    expect(stores.signal.aborted).toBe(true);
    a.reject(new Error("put aborted"));
    await expect(stores.done()).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(stores.failure).toBeUndefined();
    stores.dispose();
  });

  test("an already aborted job aborts the stores at once", () => {
    const job = new AbortController();
    job.abort(new Error("gone"));
    const stores = new BackgroundStores(job.signal);
    expect(stores.signal.aborted).toBe(true);
    stores.dispose();
  });

  test("done() resolves when every store succeeded, and each cleanup runs exactly once", async () => {
    const stores = new BackgroundStores(new AbortController().signal);
    const cleaned: number[] = [];
    for (let i = 0; i < 5; i++) stores.add(new Promise<void>((r) => setTimeout(r, 5 * i)), () => cleaned.push(i));
    await stores.done();
    expect(cleaned.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(stores.signal.aborted).toBe(false);
    stores.dispose();
  });
});

describe("LeasedBuffers", () => {
  test("at most `count` leases at once; the next waits for a release and gets a buffer back", async () => {
    const pool = new BufferPool();
    const buffers = new LeasedBuffers(2, 1024, pool);
    const signal = new AbortController().signal;
    const a = await buffers.lease(signal, "test");
    const b = await buffers.lease(signal, "test");
    expect(a.buffer).not.toBe(b.buffer);
    let third: Buffer | undefined;
    const waiting = buffers.lease(signal, "test").then((l) => (third = l.buffer));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBeUndefined();
    a.release();
    a.release(); // twice is harmless: it must not free a second buffer
    await waiting;
    expect(third).toBe(a.buffer);
    expect(pool.lent).toBe(2);
    b.release();
    buffers.release();
    expect(pool.lent).toBe(0);
    pool.close();
  });

  test("a lease waiting when its signal fires gives up with the abort, and takes nothing", async () => {
    const pool = new BufferPool();
    const buffers = new LeasedBuffers(1, 64, pool);
    const held = await buffers.lease(new AbortController().signal, "test");
    const stop = new AbortController();
    const waiting = buffers.lease(stop.signal, "test");
    stop.abort(new Error("stop"));
    await expect(waiting).rejects.toMatchObject({ code: "E_ABORTED" });
    held.release();
    const again = await buffers.lease(new AbortController().signal, "test");
    expect(again.buffer).toBe(held.buffer);
    again.release();
    buffers.release();
    expect(pool.lent).toBe(0);
    pool.close();
  });
});
