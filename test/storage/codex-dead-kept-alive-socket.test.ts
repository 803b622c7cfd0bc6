/**
 * A carrier's NAT drops an idle TCP connection without telling either end: the phone's kept-alive
 * socket still looks open, and a request sent on it goes nowhere. Before, the Codex backend's pool
 * kept idle sockets for good, so the first request after a pause (the app opened again after ten
 * minutes) stalled on the dead socket until the headers' timeout and counted against a healthy
 * endpoint: a light client's piece went to another endpoint and its home was left for
 * failureMemoryMs. A socket idle past the pool's limit (KEEP_ALIVE_IDLE_MS, below any NAT's timeout)
 * is no longer used.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { KEEP_ALIVE_IDLE_MS } from "../../src/storage/backends/codex/http-transport.js";
import { codexSetup } from "./codex-fixtures.js";
import { idleTcpFront } from "./support/idle-tcp-front.js";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import type { FinishedHook } from "../support/temp-dir.js";

/**
 * A node closes every connection after its answer (Connection: close); a server or proxy in front
 * of it that keeps connections alive is what these tests are about, so the test server keeps them,
 * for a minute: with Node's default 5 s, its `Keep-Alive: timeout=5` hint made Node's pool drop the
 * socket after 4 s by itself, and these tests passed with the backend's own idle limit taken out.
 */
const KEPT_ALIVE = { keepAlive: true, keepAliveTimeoutMs: 60_000 } as const;


function backendOn(url: string, requestTimeoutMs: number, finished: FinishedHook): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs });
  finished(() => backend.close());
  return backend;
}

// Each case waits out KEEP_ALIVE_IDLE_MS (a constant of the pool, 4 s) on servers of its own, so the
// cases run at once: one wait instead of three. Each passes its context's onTestFinished to the
// fixtures, as a concurrent test must.
describe.concurrent("a kept-alive connection a NAT dropped while it idled", () => {
  test("light mode: after a pause past the pool's idle limit, the share goes to the home node on a fresh connection", async ({ onTestFinished: finished }) => {
    const home = await codexSetup({}, KEPT_ALIVE, finished);
    const other = await codexSetup({}, {}, finished);
    // The NAT's timeout is above the pool's limit (carriers' are minutes): the pool must not hand out what idled past it.
    const front = await idleTcpFront(new URL(home.server.url), KEEP_ALIVE_IDLE_MS, "silence", finished);
    const endpoints = [backendOn(front.url, 3_000, finished), backendOn(other.server.url, 3_000, finished)];
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: FAST_RETRY, piecesInFlight: 1, finished });

    await client.share({ path: writeRandomFile(dir, "a.jpg", 20 * KiB).path }).done;
    await sleep(KEEP_ALIVE_IDLE_MS + 500);
    await client.share({ path: writeRandomFile(dir, "b.jpg", 20 * KiB).path }).done;

    expect(front.tripped(), "requests sent on a connection the NAT had dropped").toBe(0);
    expect(other.server.stats.uploads, "pieces sent to the other endpoint").toBe(0);
    expect(home.server.stats.uploads).toBe(2);
  }, 20_000);

  test("a backend on its own: a put after the pause opens a fresh connection rather than stall on the dropped one", async ({ onTestFinished: finished }) => {
    const { server } = await codexSetup({}, KEPT_ALIVE, finished);
    const front = await idleTcpFront(new URL(server.url), KEEP_ALIVE_IDLE_MS, "silence", finished);
    const backend = backendOn(front.url, 2_000, finished);
    await backend.put(Buffer.alloc(1000, 1));
    await sleep(KEEP_ALIVE_IDLE_MS + 500);
    const cid = await backend.put(Buffer.alloc(1000, 2));
    expect(front.tripped()).toBe(0);
    expect(front.connections()).toBe(2);
    expect(await backend.has(cid)).toBe(true);
  }, 20_000);

  test("the limit is for idle pooled connections only: a node slower than it to answer, on a reused connection, is still waited for", async ({ onTestFinished: finished }) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 15_000 }, KEPT_ALIVE, finished);
    const cid = await backend.put(Buffer.alloc(1000, 3));
    server.inject("exists", { kind: "delay", ms: KEEP_ALIVE_IDLE_MS + 1_000 });
    expect(await backend.has(cid)).toBe(true);
    expect(server.stats.byRoute.exists).toBe(1);
  }, 20_000);

  test("within the limit the kept-alive connection is still reused", async ({ onTestFinished: finished }) => {
    const { server } = await codexSetup({}, KEPT_ALIVE, finished);
    const front = await idleTcpFront(new URL(server.url), 60_000, "silence", finished);
    const backend = backendOn(front.url, 2_000, finished);
    await backend.put(Buffer.alloc(1000, 1));
    await sleep(200);
    await backend.put(Buffer.alloc(1000, 2));
    expect(front.connections()).toBe(1);
    expect(server.stats.uploads).toBe(2);
  });
});
