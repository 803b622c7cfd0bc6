/**
 * A put aborted while its source is stalled hands the source back with return(). A hand-written
 * async iterator may give return() as a plain function answering `{ done: true }` (for await takes
 * that); the store called `.catch` on that answer inside the signal's abort listener, so the
 * TypeError escaped there: an uncaught exception (the app crashed) and a put that never settled.
 * Likewise a next() answering without a promise failed the put with a raw TypeError.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("a local put from a hand-written async iterator", () => {
  test("aborted while the source, whose return() is a plain function, is stalled: rejects E_ABORTED, returns the source, close() is not held, and nothing escapes as an uncaught exception", async () => {
    const store = createLocalBackend({ dir: tempDir("scc-local-sync-return-") });
    let returned = 0;
    let calls = 0;
    let stalled!: () => void;
    const atStall = new Promise<void>((resolve) => (stalled = resolve));
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (calls++ === 0) return Promise.resolve({ done: false as const, value: randomBytes(1000) });
          stalled();
          return new Promise<never>(() => undefined);
        },
        // Not async: answers the result itself, as many hand-written iterators do.
        return: ((): IteratorResult<Uint8Array> => {
          returned++;
          return { done: true, value: undefined };
        }) as unknown as () => Promise<IteratorResult<Uint8Array>>,
      }),
    };
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    const listeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onUncaught);
    const caller = new AbortController();
    let outcome: unknown;
    try {
      const putting = store.put(source, { signal: caller.signal }).then(() => "stored", (e: unknown) => e);
      await atStall;
      caller.abort();
      outcome = await Promise.race([putting, new Promise((resolve) => setTimeout(() => resolve("still pending"), 1000))]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("uncaughtException", onUncaught);
      for (const listener of listeners) process.on("uncaughtException", listener);
    }
    expect(uncaught.map(String)).toEqual([]);
    expect(outcome).toMatchObject({ code: "E_ABORTED" });
    expect(returned).toBeGreaterThanOrEqual(1);
    // Bounded: a put that never settled would hold close() for good.
    expect(await Promise.race([store.close().then(() => "closed"), new Promise((resolve) => setTimeout(() => resolve("close() hung"), 1000))])).toBe("closed");
  });

  test("a source whose next() answers without a promise (for await accepts it) is stored as for await reads it, not refused with a raw TypeError", async () => {
    const store = createLocalBackend({ dir: tempDir("scc-local-sync-next-") });
    const parts = [randomBytes(1000), randomBytes(2000)];
    let at = 0;
    const source = {
      [Symbol.asyncIterator]: () => ({
        next: (): IteratorResult<Uint8Array> => (at < parts.length ? { done: false, value: parts[at++] as Uint8Array } : { done: true, value: undefined }),
      }),
    } as unknown as AsyncIterable<Uint8Array>;
    const cid = await store.put(source);
    const read: Buffer[] = [];
    for await (const chunk of (await store.get(cid)).body) read.push(Buffer.from(chunk));
    expect(Buffer.concat(read).equals(Buffer.concat(parts))).toBe(true);
    await store.close();
  });
});
