/**
 * Network faults between the client and a node (through the fault proxy) each come out as the
 * typed error the storage client's retry loop classifies: resets before an answer →
 * E_BACKEND_UNREACHABLE, cut bodies → E_TRUNCATED, 5xx text → E_BACKEND_HTTP, silence → E_TIMEOUT.
 */
import { describe, expect, test } from "vitest";
import type { StorageErrorCode } from "../../src/storage/storage-error.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { CodexBackend } from "../../src/storage/backends/codex/index.js";
import type { ProxyFault } from "../support/fault-proxy/index.js";
import { collect, pattern, proxySetup, storageError } from "./codex-fixtures.js";

const SIZE = 200_000;

async function download(backend: { get(cid: string): Promise<{ body: AsyncIterable<Uint8Array> }> }, cid: string): Promise<Buffer> {
  return collect((await backend.get(cid)).body);
}

describe("Codex backend through the fault proxy: one fault each", () => {
  const downloadCases: Array<[string, StorageErrorCode, ProxyFault]> = [
    ["reset before any answer", "E_BACKEND_UNREACHABLE", { kind: "reset" }],
    ["reset after 4 KiB of body", "E_TRUNCATED", { kind: "reset-mid-body", afterBytes: 4096 }],
    ["clean close after 4 KiB of body", "E_TRUNCATED", { kind: "truncate", afterBytes: 4096 }],
    ["500 with a text body", "E_BACKEND_HTTP", { kind: "status", status: 500, body: "Internal Server Error" }],
    ["503 with a text body", "E_BACKEND_HTTP", { kind: "status", status: 503, body: "Service Unavailable" }],
    ["502 with an empty body", "E_BACKEND_HTTP", { kind: "status", status: 502, body: "" }],
    ["no answer", "E_TIMEOUT", { kind: "hang", phase: "before-headers" }],
    ["silence mid-body", "E_TIMEOUT", { kind: "hang", phase: "mid-body", afterBytes: 10_000 }],
    ["a delay longer than the deadline", "E_TIMEOUT", { kind: "delay", ms: 2000 }],
  ];

  test.each(downloadCases)("download, %s → %s (retryable)", async (_name, code, fault) => {
    // A fresh backend: its first request cannot be on a reused socket (see the stale-socket tests).
    const { proxy, backend, direct } = await proxySetup({}, { requestTimeoutMs: 400 });
    const cid = await direct.put(pattern(SIZE));
    proxy.script(fault);
    const error = await storageError(() => download(backend, cid), code);
    expect(error.retryable).toBe(true);
    expect(proxy.stats.injected[fault.kind]).toBe(1);
    // The next attempt, fault-free, gets every byte.
    expect((await download(backend, cid)).equals(pattern(SIZE))).toBe(true);
  });

  const uploadCases: Array<[string, StorageErrorCode, ProxyFault]> = [
    ["reset before any answer", "E_BACKEND_UNREACHABLE", { kind: "reset" }],
    ["503 with a text body", "E_BACKEND_HTTP", { kind: "status", status: 503, body: "Service Unavailable" }],
    ["no answer", "E_TIMEOUT", { kind: "hang", phase: "before-headers" }],
  ];

  test.each(uploadCases)("upload, %s → %s", async (_name, code, fault) => {
    const { proxy, server, backend } = await proxySetup({}, { requestTimeoutMs: 400 });
    proxy.script(fault);
    await storageError(backend.put(pattern(3 * 1024 * 1024)), code);
    expect(server.stats.uploads).toBe(0);
    expect(await backend.has(await backend.put(pattern(100)))).toBe(true);
  });

  test.each([
    ["put", (b: CodexBackend) => b.put(pattern(1000, 9)), /answer to POST \/api\/codex\/v1\/data from Codex node .* broke off/],
    ["has", (b: CodexBackend, cid: string) => b.has(cid), /answer to has zDvZ\w+ from Codex node .* broke off/],
    ["space", (b: CodexBackend) => b.space(), /answer to GET \/api\/codex\/v1\/space from Codex node .* broke off/],
  ] as const)("the short answer to %s cut mid-body → E_TRUNCATED naming that call, not a download of 0 of 0 bytes", async (_op, run, message) => {
    const { proxy, backend, direct } = await proxySetup({}, { requestTimeoutMs: 400 });
    const cid = await direct.put(pattern(100));
    proxy.script({ kind: "reset-mid-body", afterBytes: 5 });
    const error = await storageError(() => run(backend, cid), "E_TRUNCATED");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/Download|0 of 0/);
    expect(error.details).not.toHaveProperty("expected");
  });

  test("a short delay within the deadline is harmless", async () => {
    const { proxy, backend, direct } = await proxySetup({}, { requestTimeoutMs: 2000 });
    const cid = await direct.put(pattern(SIZE));
    proxy.script({ kind: "delay", ms: 150 });
    expect((await download(backend, cid)).equals(pattern(SIZE))).toBe(true);
  });
});

describe("Codex backend: stale kept-alive sockets", () => {
  test("one reset on a reused socket before any answer is retried once for a read; a second reset is reported", async () => {
    const { proxy, backend, direct } = await proxySetup();
    const cid = await direct.put(pattern(SIZE));
    await backend.space(); // warms a kept-alive socket
    proxy.script({ kind: "reset" });
    expect((await download(backend, cid)).equals(pattern(SIZE))).toBe(true);
    expect(proxy.stats.requests).toBe(3);

    await backend.space();
    proxy.script({ kind: "reset" }, { kind: "reset" });
    await storageError(backend.has(cid), "E_BACKEND_UNREACHABLE");
  });

  test("an upload of a buffer is repeated once on a fresh connection (same bytes, same CID); a second reset is reported", async () => {
    const { proxy, server, backend } = await proxySetup();
    await backend.space();
    proxy.script({ kind: "reset" });
    expect(await backend.has(await backend.put(pattern(1000)))).toBe(true);
    expect(server.stats.uploads).toBe(1);

    await backend.space();
    proxy.script({ kind: "reset" }, { kind: "reset" });
    await storageError(backend.put(pattern(1000, 2)), "E_BACKEND_UNREACHABLE");
    expect(server.stats.uploads).toBe(1);
  });

  test("an upload of an iterable body is never repeated behind the caller's back (it cannot be read twice): a reset on a reused socket is reported", async () => {
    const { proxy, server, backend } = await proxySetup();
    await backend.space();
    proxy.script({ kind: "reset" });
    async function* body(): AsyncGenerator<Uint8Array> {
      yield pattern(1000);
    }
    await storageError(backend.put(body(), { size: 1000 }), "E_BACKEND_UNREACHABLE");
    expect(server.stats.uploads).toBe(0);
  });
});

describe("Codex backend: seeded random faults", () => {
  async function run(seed: number): Promise<{ outcomes: string[]; kinds: string[]; injected: Record<string, number>; requests: number }> {
    const { proxy, backend, direct } = await proxySetup(
      // Only downloads are hit, so setup calls through `direct` and the proxy's counters line up.
      { faultRate: 0.4, seed, eligible: (r) => r.path.endsWith("/network/stream") },
      { requestTimeoutMs: 2000 },
    );
    const bytes = pattern(SIZE, seed);
    const cid = await direct.put(bytes);
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      try {
        const got = await download(backend, cid);
        expect(got.equals(bytes)).toBe(true);
        outcomes.push("ok");
      } catch (error) {
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).retryable).toBe(true);
        outcomes.push((error as StorageError).code);
      }
    }
    return {
      outcomes,
      kinds: proxy.stats.history.map((h) => h.fault),
      injected: proxy.stats.injected as Record<string, number>,
      requests: proxy.stats.requests,
    };
  }

  test("every fault becomes a retryable typed error, counted exactly, and the same seed replays the same faults", async () => {
    const first = await run(7);
    const count = (code: string): number => first.outcomes.filter((o) => o === code).length;
    const injected = (kind: string): number => first.injected[kind] ?? 0;
    expect(count("ok") + count("E_BACKEND_UNREACHABLE") + count("E_TRUNCATED") + count("E_BACKEND_HTTP")).toBe(40);
    expect(count("E_BACKEND_HTTP")).toBe(injected("status"));
    expect(count("E_TRUNCATED")).toBe(injected("truncate") + injected("reset-mid-body"));
    // A reset on a reused socket is retried once, which the proxy sees as an extra request.
    const retried = first.requests - 40;
    expect(count("E_BACKEND_UNREACHABLE") + retried).toBe(injected("reset"));
    expect(Object.keys(first.injected).length).toBeGreaterThanOrEqual(3);
    expect(count("ok")).toBeGreaterThan(0);
    expect(count("ok")).toBeLessThan(40);

    const again = await run(7);
    expect(again.kinds).toEqual(first.kinds);
    expect(again.outcomes).toEqual(first.outcomes);
  });
});

describe("fault proxy itself", () => {
  test("passes everything through untouched at rate 0 and counts it", async () => {
    const { proxy, backend } = await proxySetup();
    const cid = await backend.put(pattern(SIZE));
    expect((await download(backend, cid)).equals(pattern(SIZE))).toBe(true);
    expect(proxy.stats.passed).toBe(proxy.stats.requests);
    expect(proxy.stats.injected).toEqual({});
  });

  test("a body fault on an answer shorter than its cut-off is counted as ineffective", async () => {
    const { proxy, backend } = await proxySetup();
    proxy.script({ kind: "truncate", afterBytes: 10_000 });
    await backend.space();
    expect(proxy.stats.ineffective).toBe(1);
    expect(proxy.stats.injected).toEqual({});
  });

  test("answers 502 when its target is down", async () => {
    const { proxy, server, backend } = await proxySetup();
    await server.close();
    const error = await storageError(backend.space(), "E_BACKEND_HTTP");
    expect(error.details).toMatchObject({ status: 502 });
    expect(proxy.stats.requests).toBe(1);
  });
});
