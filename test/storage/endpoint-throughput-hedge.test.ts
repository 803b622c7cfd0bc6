/**
 * The pieces of the hedge against a steady slow endpoint (light mode), without a network: the pool
 * ranks downloads by the throughput each endpoint delivered (a clear gap only, uploads untouched),
 * and withRetries asks a second endpoint for a piece still running after hedgeAfterMs, the first
 * answer winning, the loser aborted and awaited, its lost race no failure, at most one hedge
 * client-wide at a time.
 */
import { describe, expect, test } from "vitest";
import type { StorageBackend } from "../../src/storage/backend.js";
import { EndpointPool, LIGHT_RETRY_POLICY, withRetries } from "../../src/storage/retry/index.js";

function fake(location: string): StorageBackend {
  const refuse = (): Promise<never> => Promise.reject(new Error("not called"));
  return { kind: "fake", location, put: refuse, get: refuse, has: refuse, delete: refuse, space: refuse, close: async () => undefined };
}

/** Settles when `signal` aborts, with its reason: an attempt that never ends on its own. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));
}

const policy = { ...LIGHT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 2, hedgeAfterMs: 1 };

describe("endpoints ranked by what they deliver", () => {
  test("a download goes to the endpoint measured at least twice as fast, over the one that worked last; an upload stays", () => {
    const pool = new EndpointPool([fake("slow"), fake("fast")]);
    const none = new Set<number>();
    pool.noteThroughput(1, "down", 1_000_000, 1_000);
    pool.worked(1);
    pool.noteThroughput(0, "down", 20_000, 1_000);
    pool.worked(0);
    expect(pool.pick(none, undefined, "down")).toBe(1);
    expect(pool.pick(none, undefined, "up")).toBe(0);
    expect(pool.pick(none)).toBe(0);
  });

  test("a gap under twice is noise: the one that worked last keeps the pieces", () => {
    const pool = new EndpointPool([fake("a"), fake("b")]);
    const none = new Set<number>();
    pool.noteThroughput(1, "down", 150_000, 1_000);
    pool.worked(1);
    pool.noteThroughput(0, "down", 100_000, 1_000);
    pool.worked(0);
    expect(pool.pick(none, undefined, "down")).toBe(0);
  });

  test("failures still come first: a faster endpoint with a failure remembered is not picked", () => {
    const pool = new EndpointPool([fake("slow"), fake("fast")]);
    const none = new Set<number>();
    pool.noteThroughput(1, "down", 1_000_000, 1_000);
    pool.noteThroughput(0, "down", 20_000, 1_000);
    pool.worked(0);
    pool.failed(1, 60_000);
    expect(pool.pick(none, undefined, "down")).toBe(0);
  });
});

describe("a hedged piece", () => {
  test("a piece still running after hedgeAfterMs is asked of the other endpoint; its answer wins, the first attempt is aborted and is no failure", async () => {
    const pool = new EndpointPool([fake("slow"), fake("fast")]);
    let slowSignal: AbortSignal | undefined;
    const value = await withRetries({ pool, policy, signal: new AbortController().signal, what: "piece 0", direction: "down", hedge: true }, (backend, signal, progress, hedge) => {
      if (backend.location === "slow") {
        expect(hedge).toBe(false);
        slowSignal = signal;
        progress(1, 100);
        return untilAborted(signal);
      }
      expect(hedge).toBe(true);
      return Promise.resolve("from fast");
    });
    expect(value).toBe("from fast");
    expect(slowSignal?.aborted).toBe(true);
    expect(pool.failuresNow(0)).toBe(0);
    expect(pool.throughputOf(0, "down")).toBeGreaterThan(0);
    expect(pool.throughputOf(1, "down")).toBeGreaterThan(0);
    // The hedge's slot is back.
    expect(pool.takeHedge()).toBe(true);
  });

  test("without hedge (uploads, renewal) or with hedgeAfterMs 0 nothing is asked twice", async () => {
    for (const [hedge, hedgeAfterMs] of [
      [false, 1],
      [true, 0],
    ] as const) {
      const pool = new EndpointPool([fake("a"), fake("b")]);
      const asked: string[] = [];
      const value = await withRetries({ pool, policy: { ...policy, hedgeAfterMs }, signal: new AbortController().signal, what: "piece 0", direction: "down", hedge }, async (backend) => {
        asked.push(backend.location);
        // Runs well past hedgeAfterMs (a macrotask or more) before it answers.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 5));
        return backend.location;
      });
      expect(value).toBe("a");
      expect(asked).toEqual(["a"]);
    }
  });

  test("a hedge that fails on its own counts against its endpoint; the first attempt's answer is kept", async () => {
    const pool = new EndpointPool([fake("slow"), fake("broken")]);
    let failHedge: (() => void) | undefined;
    const hedgeFailed = new Promise<void>((resolve) => (failHedge = resolve));
    const value = await withRetries({ pool, policy, signal: new AbortController().signal, what: "piece 0", direction: "down", hedge: true }, async (backend, signal) => {
      if (backend.location === "broken") {
        const { StorageError } = await import("../../src/storage/storage-error.js");
        queueMicrotask(() => failHedge?.());
        throw new StorageError("E_BACKEND_UNREACHABLE", "refused");
      }
      await hedgeFailed;
      expect(signal.aborted).toBe(false);
      return "from slow";
    });
    expect(value).toBe("from slow");
    expect(pool.failuresNow(1)).toBe(1);
    expect(pool.failuresNow(0)).toBe(0);
  });

  test("at most one hedge runs client-wide: two slow pieces never have their hedges in flight together", async () => {
    const pool = new EndpointPool([fake("slow"), fake("fast")]);
    let hedges = 0;
    let most = 0;
    let releaseFirst: (() => void) | undefined;
    const firstHedge = new Promise<void>((resolve) => (releaseFirst = resolve));
    const piece = (what: string) =>
      withRetries({ pool, policy, signal: new AbortController().signal, what, direction: "down", hedge: true }, async (backend, signal, _progress, hedge) => {
        if (!hedge) return untilAborted(signal);
        hedges++;
        most = Math.max(most, hedges);
        try {
          if (hedges === 1 && what === "piece 0") await firstHedge;
          return `${what} from ${backend.location}`;
        } finally {
          hedges--;
        }
      });
    const first = piece("piece 0");
    const second = piece("piece 1");
    // Both pieces' hedge delays (1 ms) pass while the first hedge is held.
    await new Promise((resolve) => setTimeout(resolve, 20));
    releaseFirst?.();
    const results = await Promise.all([first, second]);
    expect(results.sort()).toEqual(["piece 0 from fast", "piece 1 from fast"]);
    expect(most).toBe(1);
  });
});
