/**
 * A Codex node can hang for minutes on a missing block: before the headers, mid-body, or while
 * it stops reading an upload. Every such case ends in E_TIMEOUT near the configured deadline,
 * and leaves no socket behind.
 */
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import type { CodexRoute } from "../support/codex-server/index.js";
import { codexSetup, drain, eventually, pattern, storageError } from "./codex-fixtures.js";

const TIMEOUT = 300;
/** Generous upper bound: a deadline must fire near its value, not merely eventually. */
const LATE = TIMEOUT + 1500;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await run();
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe("Codex backend: a node that never answers", () => {
  const calls: Array<[string, CodexRoute]> = [
    ["get", "download"],
    ["has", "exists"],
    ["delete", "delete"],
    ["space", "space"],
    ["manifest", "manifest"],
    ["put", "upload"],
  ];

  test.each(calls)("%s with no answer at all → E_TIMEOUT (headers) near requestTimeoutMs, socket closed", async (op, route) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: TIMEOUT });
    const cid = await backend.put(pattern(1000));
    server.inject(route, { kind: "hang", phase: "before-headers" });
    const run = {
      get: () => backend.get(cid),
      has: () => backend.has(cid),
      delete: () => backend.delete(cid),
      space: () => backend.space(),
      manifest: () => backend.manifest(cid),
      put: () => backend.put(pattern(200_000, 3)),
    }[op] as () => Promise<unknown>;
    const { ms, error } = await timed(run);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect((error as StorageError).details).toMatchObject({ phase: "headers", timeoutMs: TIMEOUT });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT * 0.9);
    expect(ms).toBeLessThan(LATE);
    // The hung connection is cut by the client, not left to the server.
    expect(await eventually(() => server.openConnections() <= 1)).toBe(true);
  });

  test("headers then silence → the body fails with E_TIMEOUT (body) near idleTimeoutMs", async () => {
    const { server, backend } = await codexSetup({ idleTimeoutMs: TIMEOUT });
    const cid = await backend.put(pattern(100_000));
    server.inject("download", { kind: "hang", phase: "after-headers" });
    const got = await backend.get(cid);
    expect(got.size).toBe(100_000);
    const { ms, error } = await timed(async () => {
      const r = await drain(got.body);
      if (r.error !== undefined) throw r.error;
    });
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect((error as StorageError).details).toMatchObject({ phase: "body" });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT * 0.9);
    expect(ms).toBeLessThan(LATE);
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });

  test.each<[string, CodexRoute]>([
    ["has", "exists"],
    ["space", "space"],
    ["manifest", "manifest"],
  ])("%s: headers, then a short answer that never comes → E_TIMEOUT near requestTimeoutMs (as documented), not the long idleTimeoutMs meant for big bodies", async (op, route) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: TIMEOUT, idleTimeoutMs: 60_000 });
    const cid = await backend.put(pattern(1000));
    server.inject(route, { kind: "hang", phase: "after-headers" });
    const run = { has: () => backend.has(cid), space: () => backend.space(), manifest: () => backend.manifest(cid) }[op] as () => Promise<unknown>;
    const { ms, error } = await timed(run);
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect((error as StorageError).details).toMatchObject({ phase: "body", timeoutMs: TIMEOUT });
    expect(ms).toBeLessThan(LATE);
  }, 10_000);

  test("a node that stops reading an upload → E_TIMEOUT (upload) from the stall deadline", async () => {
    const { server, backend } = await codexSetup({ idleTimeoutMs: TIMEOUT, requestTimeoutMs: 10_000 });
    server.inject("upload", { kind: "hang", phase: "no-read" });
    // Large enough to fill the loopback socket buffers, so the client has to wait for 'drain'.
    const { ms, error } = await timed(() => backend.put(pattern(32 * 1024 * 1024)));
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect((error as StorageError).details).toMatchObject({ phase: "upload", timeoutMs: TIMEOUT });
    expect(ms).toBeLessThan(5000);
    // (The server never reads this connection, so it cannot see it close; the probe in
    // codex-lifecycle.test.ts checks the client side.) The backend is still usable:
    expect(server.stats.uploads).toBe(0);
    expect(await backend.has(await backend.put(pattern(10)))).toBe(true);
  });

  test("put reports progress as the node reads a slow upload, spread over the transfer, and stops reporting once the node stops reading", async () => {
    const { server, backend } = await codexSetup({ idleTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    // 12 MiB at about 5 MiB/s: well past what the loopback socket buffers hold (about 4 MiB).
    server.inject("upload", { kind: "slow", chunkBytes: 64 * 1024, everyMs: 8 });
    const started = performance.now();
    const times: number[] = [];
    await backend.put(pattern(12 * 1024 * 1024), { progress: () => times.push(performance.now() - started) });
    const total = performance.now() - started;
    expect(times.length).toBeGreaterThan(10);
    // Not all at once when the bytes were handed over: the socket took them as the node read.
    expect(times[times.length - 1]! - times[0]!).toBeGreaterThan(total / 3);
    expect(Math.max(...times.slice(1).map((t, i) => t - times[i]!))).toBeLessThan(total / 2);

    server.inject("upload", { kind: "hang", phase: "no-read" });
    const stalled: number[] = [];
    const begun = performance.now();
    const controller = new AbortController();
    const pending = backend.put(pattern(32 * 1024 * 1024), { signal: controller.signal, progress: () => stalled.push(performance.now() - begun) });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const seen = stalled.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    expect((await timed(() => pending)).error).toBeInstanceOf(StorageError);
    // The socket buffers filled and then nothing more was taken: no progress for a stalled node.
    // (Not "the last within 1 s": on a loaded machine the timer above fires late, and the buffers fill late.)
    expect(seen).toBeGreaterThan(0);
    expect(stalled.length).toBe(seen);
  }, 30_000);

  test("put reports progress at least once per 64 KiB of a buffer body, so a link as slow as 1.5 KB/s per piece still shows progress within a 45 s attempt", async () => {
    const { backend } = await codexSetup();
    let reports = 0;
    await backend.put(pattern(1024 * 1024), { progress: () => reports++ });
    expect(reports).toBeGreaterThanOrEqual(16);
  });

  test("a slow but steady download outlasts idleTimeoutMs in total and still succeeds (the deadline is per gap)", async () => {
    const { server, backend } = await codexSetup({ idleTimeoutMs: TIMEOUT });
    const cid = await backend.put(pattern(64 * 1024));
    server.inject("download", { kind: "slow", chunkBytes: 8 * 1024, everyMs: 100 });
    const { ms, error } = await timed(async () => {
      const r = await drain((await backend.get(cid)).body);
      expect(r.received).toBe(64 * 1024);
      if (r.error !== undefined) throw r.error;
    });
    expect(error).toBeUndefined();
    expect(ms).toBeGreaterThan(TIMEOUT * 2);
  });

  test("unknown content on a node that searches the network forever → E_TIMEOUT, not a hang", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: TIMEOUT });
    server.behaviour.missingContent = "hang";
    const cid = await backend.put(pattern(10));
    await backend.delete(cid);
    await storageError(backend.get(cid), "E_TIMEOUT");
    await storageError(backend.manifest(cid), "E_TIMEOUT");
  });

  test.each([
    ["back an hour", -3_600_000],
    ["forward an hour", 3_600_000],
  ])("the wall clock set %s during a wait neither stretches nor fires the deadline: it counts elapsed time", async (_name, step) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: TIMEOUT });
    server.inject("space", { kind: "hang", phase: "before-headers" });
    const wallClock = Date.now.bind(Date);
    let offset = 0;
    vi.spyOn(Date, "now").mockImplementation(() => wallClock() + offset);
    onTestFinished(() => void vi.restoreAllMocks());
    // NTP or the user corrects the phone's clock while the node keeps us waiting.
    setTimeout(() => (offset = step), TIMEOUT / 3);
    const { ms, error } = await timed(() => backend.space());
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT * 0.9);
    expect(ms).toBeLessThan(LATE);
  });

  test("a slow answer within requestTimeoutMs is fine", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 1000 });
    server.inject("space", { kind: "delay", ms: 200 });
    await expect(backend.space()).resolves.toMatchObject({ quotaUsedBytes: 0 });
  });
});

describe("Codex backend: the caller's signal", () => {
  test("a caller deadline (AbortSignal.timeout) → E_TIMEOUT, a caller abort → E_ABORTED, both with the reason as cause", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    const cid = await backend.put(pattern(10));
    server.inject("exists", { kind: "hang", phase: "before-headers" }, { times: 2 });
    const deadline = AbortSignal.timeout(200);
    const timedOut = await storageError(backend.has(cid, { signal: deadline }), "E_TIMEOUT");
    expect(timedOut.cause).toBe(deadline.reason);
    expect(timedOut.details).toMatchObject({ phase: "caller" });

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left the chat")), 100);
    const aborted = await storageError(backend.has(cid, { signal: controller.signal }), "E_ABORTED");
    expect((aborted.cause as Error).message).toBe("user left the chat");
    expect(aborted.retryable).toBe(false);
    expect(await eventually(() => server.openConnections() <= 1)).toBe(true);
  });
});
