import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { backoffDelay, classifyFailure, DEFAULT_RETRY_POLICY, EndpointPool, withRetries, type RetryPolicy } from "../../src/storage/retry/index.js";
import { StorageError, type StorageErrorCode } from "../../src/storage/storage-error.js";
import type { StorageBackend } from "../../src/storage/backend.js";

const FAST = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, maxAttempts: 20 } as const;

const policy: RetryPolicy = { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 5, attemptTimeoutMs: 200, deadlineMs: 10_000, maxRetryAfterMs: 60_000, pausedStreamYieldMs: 5_000, failureMemoryMs: 60_000 };

function fake(name: string): StorageBackend {
  return { kind: "fake", location: name } as StorageBackend;
}

function fail(code: StorageErrorCode): StorageError {
  return new StorageError(code, code);
}

describe("retry policy", () => {
  test("full jitter: every delay lies in [0, min(max, base·2^attempt)) and uses the whole range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const ceiling = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** attempt);
        const d = backoffDelay(DEFAULT_RETRY_POLICY, attempt, r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.max(ceiling, 1));
      }),
    );
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 3, 0)).toBe(0);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 3, 0.999)).toBe(Math.floor(0.999 * 2000));
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 40, 0.5)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs / 2);
  });

  test.each([
    ["E_TRUNCATED", "retry"],
    ["E_TIMEOUT", "retry"],
    ["E_BACKEND_HTTP", "retry"],
    ["E_BACKEND_UNREACHABLE", "retry"],
    ["E_NOT_FOUND", "next-endpoint"],
    ["E_BACKEND_REJECTED", "next-endpoint"],
    ["E_BAD_CID", "next-endpoint"],
    ["E_INTEGRITY", "next-endpoint"],
    ["E_ABORTED", "fatal"],
    ["E_CLIENT_CLOSED", "next-endpoint"],
    ["E_SOURCE_CHANGED", "fatal"],
    // A Codex node whose storage is full (codex-node-full.test.ts); the client's own quota never reaches withRetries.
    ["E_QUOTA_EXCEEDED", "next-endpoint"],
  ] as const)("%s is classified %s", (code, kind) => {
    expect(classifyFailure(fail(code))).toBe(kind);
  });

  test("an error that is not a StorageError is fatal (a bug is not retried)", () => {
    expect(classifyFailure(new TypeError("x"))).toBe("fatal");
  });
});

describe("endpoint pool", () => {
  test("picks the endpoint with the fewest failures since it last worked, then the most recent success, then list order", () => {
    const pool = new EndpointPool([fake("a"), fake("b"), fake("c")]);
    const none = new Set<number>();
    expect(pool.pick(none)).toBe(0);
    pool.worked(0);
    pool.failed(1); // b found hanging
    pool.failed(0); // a's passing failure: a and b have one each
    expect(pool.pick(none, 0)).toBe(2); // c was never tried: fewest failures
    pool.failed(2);
    expect(pool.pick(none, 0)).toBe(0); // all failed once: a worked most recently
    pool.worked(2);
    expect(pool.pick(none)).toBe(2);
    pool.failed(2);
    pool.failed(2);
    expect(pool.pick(none, 2)).toBe(0);
    expect(pool.pick(new Set([0]), 2)).toBe(1); // a excluded for this piece: b and c failed... b once, c twice
  });
});

describe("withRetries", () => {
  test("transient failures are retried on the same single endpoint until one succeeds", async () => {
    const pool = new EndpointPool([fake("a")]);
    let calls = 0;
    const result = await withRetries({ pool, policy, signal: new AbortController().signal, what: "t" }, async () => {
      calls++;
      if (calls < 3) throw fail("E_BACKEND_HTTP");
      return "ok";
    });
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  test("an endpoint-specific failure is never retried on that endpoint; the next one is tried at once", async () => {
    const pool = new EndpointPool([fake("a"), fake("b"), fake("c")]);
    const seen: string[] = [];
    const result = await withRetries({ pool, policy, signal: new AbortController().signal, what: "t" }, async (backend) => {
      seen.push(backend.location);
      if (backend.location !== "c") throw fail(backend.location === "a" ? "E_NOT_FOUND" : "E_INTEGRITY");
      return backend.location;
    });
    expect(result).toBe("c");
    expect(seen).toEqual(["a", "b", "c"]);
  });

  test("when every endpoint gave an endpoint-specific failure, the last one is thrown without more attempts", async () => {
    const pool = new EndpointPool([fake("a"), fake("b")]);
    let calls = 0;
    const error = await withRetries({ pool, policy, signal: new AbortController().signal, what: "t" }, async () => {
      calls++;
      throw fail("E_INTEGRITY");
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_INTEGRITY" });
    expect(calls).toBe(2);
  });

  test("a fatal failure stops at once", async () => {
    let calls = 0;
    const error = await withRetries({ pool: new EndpointPool([fake("a"), fake("b")]), policy, signal: new AbortController().signal, what: "t" }, async () => {
      calls++;
      throw fail("E_SOURCE_CHANGED");
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_SOURCE_CHANGED" });
    expect(calls).toBe(1);
  });

  test("attempts are bounded by maxAttempts", async () => {
    let calls = 0;
    await expect(
      withRetries({ pool: new EndpointPool([fake("a")]), policy, signal: new AbortController().signal, what: "t" }, async () => {
        calls++;
        throw fail("E_BACKEND_UNREACHABLE");
      }),
    ).rejects.toMatchObject({ code: "E_BACKEND_UNREACHABLE" });
    expect(calls).toBe(policy.maxAttempts);
  });

  test("each attempt gets its own deadline: a hanging attempt is cut and retried", async () => {
    let calls = 0;
    const result = await withRetries({ pool: new EndpointPool([fake("a")]), policy, signal: new AbortController().signal, what: "t" }, (_b, signal) => {
      calls++;
      if (calls === 1) {
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new StorageError("E_TIMEOUT", "cut", { cause: signal.reason }))));
      }
      return Promise.resolve("second");
    });
    expect(result).toBe("second");
    expect(calls).toBe(2);
  });

  test("an attempt that reports progress outlives attemptTimeoutMs; once it stops, it is cut attemptTimeoutMs after its last progress", async () => {
    let calls = 0;
    const started = performance.now();
    let cutAfter = 0;
    const result = await withRetries({ pool: new EndpointPool([fake("a")]), policy, signal: new AbortController().signal, what: "t" }, async (_b, signal, progress) => {
      calls++;
      if (calls === 2) return "second";
      // Progress every 20 ms for 4 × the 200 ms timeout, then silence (180 ms of slack per gap for a loaded machine's late timers).
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(signal.aborted).toBe(false);
        progress();
      }
      const quiet = performance.now();
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      cutAfter = performance.now() - quiet;
      throw new StorageError("E_TIMEOUT", "cut", { cause: signal.reason });
    });
    expect(result).toBe("second");
    expect(performance.now() - started).toBeGreaterThan(4 * policy.attemptTimeoutMs);
    expect(cutAfter).toBeGreaterThanOrEqual(policy.attemptTimeoutMs * 0.9);
    expect(cutAfter).toBeLessThan(policy.attemptTimeoutMs + 1000);
  });

  test("the caller's abort wins over whatever the attempt reports, also during a backoff wait", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetries(
      { pool: new EndpointPool([fake("a")]), policy: { ...policy, baseDelayMs: 10_000, maxDelayMs: 10_000 }, signal: controller.signal, what: "t", random: () => 0.99 },
      async () => {
        throw fail("E_BACKEND_HTTP");
      },
    );
    setTimeout(() => controller.abort(new Error("user")), 30);
    await expect(pending).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

});

describe("time limits a timer can keep", () => {
  test("a time limit beyond what a timer can wait (2^31-1 ms, about 24.8 days) is refused when the client starts; it would fire at once and time every job out", async () => {
    const { startClient } = await import("./support/client-fixture.js");
    const month = 30 * 24 * 60 * 60 * 1000;
    for (const retry of [{ deadlineMs: month }, { attemptTimeoutMs: month }, { deadlineMs: 0 }]) {
      await expect(startClient({ retry: { ...FAST, ...retry } })).rejects.toThrow(RangeError);
    }
    // The renewal timer too: past the range, setInterval fires every millisecond.
    await expect(startClient({ renewEveryMs: month })).rejects.toThrow(RangeError);
    // The largest a timer can wait still works.
    const { client } = await startClient({ retry: { ...FAST, deadlineMs: 2 ** 31 - 1 } });
    await expect(client.share({ bytes: Buffer.from("hello"), fileName: "a.txt" }).done).resolves.toMatchObject({ protocol: 3 });
  });
});
