/**
 * A Codex node behind a gateway (nginx, a public endpoint's load balancer) that answers 503 or 429
 * with `Retry-After`: the client waits what the gateway asked (within the job's deadline and a cap)
 * instead of hammering it on its own backoff, fails over at once to another endpoint when there is
 * one, keeps the overloaded endpoint out of every piece's way meanwhile, and treats a malformed or
 * absurd value sanely.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { parseRetryAfter } from "../../src/storage/backends/codex/retry-after.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy/index.js";
import { codexSetup } from "./codex-fixtures.js";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import type { FinishedHook } from "../support/temp-dir.js";

/** A Codex test server behind a fault proxy, and a backend on the proxy. */
async function gateway(onTestFinished: FinishedHook): Promise<{ proxy: FaultProxy; backend: CodexBackend }> {
  const { server } = await codexSetup({}, {}, onTestFinished);
  const proxy = await startFaultProxy({ target: server.url });
  onTestFinished(() => proxy.close());
  const backend = createCodexBackend({ url: proxy.url, requestTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return { proxy, backend };
}

const busy = (retryAfter: string, status = 503) => ({ kind: "status", status, body: "Service Temporarily Unavailable", headers: { "retry-after": retryAfter } }) as const;

/** Arrival times of the uploads the proxy saw. */
function uploadTimes(proxy: FaultProxy): number[] {
  return proxy.stats.history.filter((r) => r.method === "POST").map((r) => r.at);
}

describe("parseRetryAfter", () => {
  const now = Date.parse("Fri, 27 Nov 2026 08:00:00 GMT");
  test.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Fri, 27 Nov 2026 08:00:30 GMT", 30_000],
    ["Friday, 27-Nov-26 08:01:00 GMT", 60_000],
    // A date already past (the gateway's clock behind ours): come back now.
    ["Fri, 27 Nov 2026 07:00:00 GMT", 0],
  ])("%j is %d ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  test.each([["soon"], ["-5"], ["1.5"], ["1e3"], [""], ["Fri, 99 Foo 2026"], ["Fri 12:00"]])("%j is no Retry-After", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  test("the asctime form (RFC 9110 says it is GMT, though it names no zone) is read as GMT wherever the device is", () => {
    // A phone in New York read "10 s from now" as 5 h (cut to the 5 min cap); one in Tokyo as already past.
    const saved = process.env["TZ"];
    try {
      for (const zone of ["America/New_York", "Asia/Tokyo", "UTC"]) {
        process.env["TZ"] = zone;
        expect(parseRetryAfter("Fri Nov 27 08:00:10 2026", now), zone).toBe(10_000);
        expect(parseRetryAfter("Fri Nov  6 08:00:10 2026", Date.parse("Fri, 06 Nov 2026 08:00:00 GMT")), zone).toBe(10_000);
      }
    } finally {
      if (saved === undefined) delete process.env["TZ"];
      else process.env["TZ"] = saved;
    }
  });

  test("a huge number of seconds stays a finite number (the policy's cap then applies)", () => {
    expect(Number.isFinite(parseRetryAfter("9".repeat(400), now))).toBe(true);
  });
});

describe("the Codex backend and Retry-After", () => {
  test("an early 429 on an upload (answered before the body was read) and a 503 on a download carry the wait in details.retryAfterMs", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 2_000 });
    server.inject("upload", { kind: "status", status: 429, body: "slow down", early: true, headers: { "retry-after": "7" } });
    const up = await backend.put(Buffer.alloc(3 * 1024 * 1024, 1)).catch((e: unknown) => e);
    expect(up).toMatchObject({ code: "E_BACKEND_HTTP", details: { status: 429, retryAfterMs: 7_000 } });
    expect((up as Error).message).toMatch(/again in 7 s \(Retry-After\)/);
    const cid = await backend.put(Buffer.alloc(1000, 2));
    server.inject("download", { kind: "status", status: 503, headers: { "retry-after": "7" } });
    await expect(backend.get(cid)).rejects.toMatchObject({ code: "E_BACKEND_HTTP", details: { status: 503, retryAfterMs: 7_000 } });
    // Without the header, nothing is made up.
    server.inject("download", { kind: "status", status: 503 });
    const plain = await backend.get(cid).catch((e: unknown) => e);
    expect((plain as StorageError).details["retryAfterMs"]).toBeUndefined();
  });
});

// From here on the cases wait out Retry-After seconds (the point of most of them), each behind
// gateways and clients of its own, so they run at once; each passes its context's onTestFinished
// to the fixtures, as a concurrent test must.
describe.concurrent("Retry-After from a gateway in front of a single endpoint", () => {
  test("503 with Retry-After: 1 (seconds) is asked again only after that second, not on the client's 5 ms backoff, and the share then succeeds", async ({ onTestFinished }) => {
    const { proxy, backend } = await gateway(onTestFinished);
    const { client, dir } = await startClient({ backend, retry: FAST_RETRY, finished: onTestFinished });
    proxy.script(busy("1"));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    await client.share({ path }).done;
    const [first, second] = uploadTimes(proxy);
    expect(second, "the upload was not asked again").toBeDefined();
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(950);
  });

  test("429 with Retry-After as an HTTP date two seconds ahead is honoured too", async ({ onTestFinished }) => {
    const { proxy, backend } = await gateway(onTestFinished);
    const { client, dir } = await startClient({ backend, retry: FAST_RETRY, finished: onTestFinished });
    // An HTTP date has whole seconds: the wait is between one and two of them.
    proxy.script(busy(new Date(Date.now() + 2_000).toUTCString(), 429));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    await client.share({ path }).done;
    const [first, second] = uploadTimes(proxy);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(900);
  });

  test("a Retry-After past the job's deadline fails the job at once with E_BACKEND_HTTP naming the wait, without asking the gateway again", async ({ onTestFinished }) => {
    const { proxy, backend } = await gateway(onTestFinished);
    const { client, dir } = await startClient({ backend, retry: { ...FAST_RETRY, deadlineMs: 3_000 }, finished: onTestFinished });
    proxy.script(busy("3600"));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    const started = performance.now();
    const error = await client.share({ path }).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_BACKEND_HTTP");
    expect((error as StorageError).message).toMatch(/Retry-After/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(uploadTimes(proxy)).toHaveLength(1);
  });

  test("the same for a download (its pieces run in a window under the job's deadline) and a stream", async ({ onTestFinished }) => {
    const sender = await startClient({ finished: onTestFinished });
    const { path } = writeRandomFile(sender.dir, "a.bin", 10 * KiB);
    const { reference } = await sender.client.share({ path }).done;
    const { server } = await codexSetup({}, {}, onTestFinished);
    const proxy = await startFaultProxy({ target: server.url });
    onTestFinished(() => proxy.close());
    const backend = createCodexBackend({ url: proxy.url, requestTimeoutMs: 5_000 });
    onTestFinished(() => backend.close());
    const { client, dir } = await startClient({ backend, retry: { ...FAST_RETRY, deadlineMs: 3_000 }, finished: onTestFinished });
    proxy.script(busy("3600"), busy("3600"));
    const started = performance.now();
    await expect(client.fetch(reference, { out: join(dir, "out.bin") }).done).rejects.toMatchObject({ code: "E_BACKEND_HTTP", message: expect.stringMatching(/Retry-After/) });
    const streamed = (async () => {
      for await (const part of client.fetchStream(reference)) void part;
    })();
    await expect(streamed).rejects.toMatchObject({ code: "E_BACKEND_HTTP" });
    expect(performance.now() - started).toBeLessThan(2_000);
    // The second call did not even ask: the endpoint was still cooling down, past the stream's deadline.
    expect(proxy.stats.history.filter((r) => r.method === "GET")).toHaveLength(1);
  });

  test("an absurd Retry-After (a billion seconds) is capped at maxRetryAfterMs: the client waits the cap, then the share succeeds", async ({ onTestFinished }) => {
    const { proxy, backend } = await gateway(onTestFinished);
    const { client, dir } = await startClient({ backend, retry: { ...FAST_RETRY, maxRetryAfterMs: 800 }, finished: onTestFinished });
    proxy.script(busy("1000000000"));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    await client.share({ path }).done;
    const [first, second] = uploadTimes(proxy);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(750);
  });

  // test.for, not test.each: each hands no test context to its function.
  test.for<[string]>([["soon"], ["-5"], ["1.5e9"], [""]])("a malformed Retry-After (%j) is ignored: the client's own backoff applies", async ([value], { onTestFinished }) => {
    const { proxy, backend } = await gateway(onTestFinished);
    const { client, dir } = await startClient({ backend, retry: FAST_RETRY, finished: onTestFinished });
    proxy.script(busy(value));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    await client.share({ path }).done;
    const [first, second] = uploadTimes(proxy);
    expect((second as number) - (first as number)).toBeLessThan(700);
  });
});

describe.concurrent("Retry-After with several endpoints (light mode)", () => {
  test("the overloaded endpoint is failed over at once and left alone while its Retry-After runs, even when the other endpoint then fails once", async ({ onTestFinished }) => {
    const a = await gateway(onTestFinished);
    const b = await gateway(onTestFinished);
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, b.backend], backend: undefined, retry: FAST_RETRY, finished: onTestFinished });
    a.proxy.script(busy("30"));
    // b stores two pieces, then fails once: the retry must not go back to a within its 30 s.
    b.proxy.script({ kind: "pass" }, { kind: "pass" }, { kind: "status", status: 500, body: "boom" });
    const { path } = writeRandomFile(dir, "a.bin", 200 * KiB);
    const started = performance.now();
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(4);
    // Pieces already on their way to a when its 503 came back (a window and the stores behind it) may still
    // reach it; nothing after b's failure may, although that failure makes a the next endpoint to try.
    const bFailed = b.proxy.stats.history.find((r) => r.fault === "status")?.at as number;
    expect(bFailed).toBeDefined();
    expect(uploadTimes(a.proxy).filter((at) => at > bFailed)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("when every endpoint asked to wait, the client waits for the first to come back instead of going round them", async ({ onTestFinished }) => {
    const a = await gateway(onTestFinished);
    const b = await gateway(onTestFinished);
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, b.backend], backend: undefined, retry: FAST_RETRY, piecesInFlight: 1, finished: onTestFinished });
    a.proxy.script(busy("1"));
    b.proxy.script(busy("2"));
    const { path } = writeRandomFile(dir, "a.bin", 10 * KiB);
    await client.share({ path }).done;
    const [firstA, secondA] = uploadTimes(a.proxy);
    expect(uploadTimes(b.proxy)).toHaveLength(1);
    expect(secondA, "a was not asked again").toBeDefined();
    expect((secondA as number) - (firstA as number)).toBeGreaterThanOrEqual(950);
  });
});
