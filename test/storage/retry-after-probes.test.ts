/**
 * Renewal's and status()'s `has` checks (Codex's /exists) against an endpoint behind a gateway that
 * answers 503 with Retry-After. The transfers leave such an endpoint alone for that long (every
 * piece of every job, docs/storage.md Retry-After), but the checks did neither part: a 503 they got
 * was counted as a plain failure, not passed to the pool (a fetch right after asked the gateway
 * again), and an endpoint cooling down was still asked, last, whenever the others lacked the piece.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy/index.js";
import { codexSetup } from "./codex-fixtures.js";
import { FAST_RETRY, KiB, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";

const busy = { kind: "status", status: 503, body: "Service Temporarily Unavailable", headers: { "retry-after": "60" } } as const;

/** A Codex test server behind a gateway that answers every /exists with 503 Retry-After: 60 (when `existsBusy`), and a backend on it. */
async function gateway(existsBusy: boolean): Promise<{ proxy: FaultProxy; backend: CodexBackend; direct: CodexBackend }> {
  const { server, backend: direct } = await codexSetup();
  const proxy = await startFaultProxy({ target: server.url, faultRate: existsBusy ? 1 : 0, randomFaults: [busy], eligible: (r) => r.path.endsWith("/exists") });
  onTestFinished(() => proxy.close());
  const backend = createCodexBackend({ url: proxy.url, requestTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return { proxy, backend, direct };
}

/** An empty second endpoint (it lacks every piece). */
async function emptyNode(): Promise<CodexBackend> {
  return (await codexSetup({ requestTimeoutMs: 5_000 })).backend;
}

function requests(proxy: FaultProxy, kind: "exists" | "download"): number {
  return proxy.stats.history.filter((r) => r.method === "GET" && (kind === "exists" ? r.path.endsWith("/exists") : !r.path.endsWith("/exists"))).length;
}

const retry = { ...FAST_RETRY, deadlineMs: 3_000 };

describe("has checks and an endpoint that asked for a pause", () => {
  test("a status probe's 503 with Retry-After cools the endpoint: a fetch right after leaves it alone", async () => {
    const a = await gateway(true);
    // The file is on a's node only.
    const sender = await startClient({ backend: a.direct });
    const { path } = writeRandomFile(sender.dir, "a.bin", 3 * SMALL_PIECES.pieceSize);
    const { reference } = await sender.client.share({ path }).done;
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, await emptyNode()], backend: undefined, retry });
    // a asked for 60 s; b lacks the pieces: the probe cannot tell.
    await expect(client.status(reference, { probe: true })).rejects.toMatchObject({ code: "E_BACKEND_HTTP", details: { retryAfterMs: 60_000 } });
    const error = await client.fetch(reference, { out: join(dir, "out.bin") }).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/Retry-After/);
    expect(requests(a.proxy, "download"), "downloads asked of the gateway within its Retry-After").toBe(0);
  });

  test("a status probe does not ask an endpoint cooling down (a fetch's Retry-After) when the others lack the piece; it fails naming the wait", async () => {
    const a = await gateway(false);
    const sender = await startClient({ backend: a.direct });
    const { path } = writeRandomFile(sender.dir, "a.bin", 2 * SMALL_PIECES.pieceSize);
    const { reference } = await sender.client.share({ path }).done;
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, await emptyNode()], backend: undefined, retry });
    a.proxy.script(busy);
    await expect(client.fetch(reference, { out: join(dir, "out.bin") }).done).rejects.toMatchObject({ code: "E_BACKEND_HTTP" });
    const error = await client.status(reference, { probe: true }).catch((e: unknown) => e);
    expect(requests(a.proxy, "exists"), "/exists asked of the gateway within its Retry-After").toBe(0);
    expect(error).toMatchObject({ code: "E_BACKEND_HTTP", message: expect.stringMatching(/Retry-After/) });
    expect((error as StorageError).details["retryAfterMs"]).toBeGreaterThan(50_000);
  });

  test("renewal does not ask an endpoint that answered its /exists with Retry-After again while it cools down; the pieces are renewed on the other one", async () => {
    const a = await gateway(true);
    const b = await emptyNode();
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, b], backend: undefined, retry, ttlMs: 60_000, renewBeforeMs: 59_990 });
    const { path } = writeRandomFile(dir, "a.bin", 2 * SMALL_PIECES.pieceSize + KiB);
    const { reference, view } = await client.share({ path }).done;
    // Its /exists answered 503 Retry-After: 60.
    await expect(client.status(reference, { probe: true })).rejects.toMatchObject({ code: "E_BACKEND_HTTP" });
    expect(requests(a.proxy, "exists")).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    const report = await client.renewDue();
    expect(requests(a.proxy, "exists"), "/exists asked of the gateway within its Retry-After").toBe(1);
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(view.pieces.map((p) => p.cid).sort());
    for (const piece of view.pieces) expect(await b.has(piece.cid)).toBe(true);
  });
});
