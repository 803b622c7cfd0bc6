/**
 * 501 Not Implemented and 505 HTTP Version Not Supported say the endpoint (the node, or a proxy in
 * front of it) does not do what was asked at all: the same answer comes on every attempt. They were
 * E_BACKEND_HTTP, retried on the same endpoint with backoff until a piece's attempts ran out (a
 * proxy that does not pass POST on costs every piece of every share all its attempts there). They
 * are E_BACKEND_REJECTED now: never again on that endpoint, the next one at once, or the job fails at once
 * with no other.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startFaultProxy } from "../support/fault-proxy/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe.each([501, 505])("an endpoint answering %i", (status) => {
  test("is refused for good (E_BACKEND_REJECTED, not retryable)", async () => {
    const { server } = await codexSetup();
    const proxy = await startFaultProxy({ target: server.url, faultRate: 1, randomFaults: [{ kind: "status", status, body: "Not Implemented" }] });
    onTestFinished(() => proxy.close());
    const backend = createCodexBackend({ url: proxy.url });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.put(pattern(1000)), "E_BACKEND_REJECTED");
    expect(error.retryable).toBe(false);
    expect(error.details?.["status"]).toBe(status);
  });

  test("a share through it fails after one request there, with the refusal, not after every attempt", async () => {
    const { server } = await codexSetup();
    const proxy = await startFaultProxy({ target: server.url, faultRate: 1, randomFaults: [{ kind: "status", status, body: "" }] });
    onTestFinished(() => proxy.close());
    const backend = createCodexBackend({ url: proxy.url });
    onTestFinished(() => backend.close());
    const { client, dir } = await startClient({
      backend,
      piecesInFlight: 1,
      retry: { baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 8 },
    });
    const failure = await client.share({ path: writeRandomFile(dir, "a.jpg", 20 * KiB).path }).done.catch((e: unknown) => e);
    expect((failure as { code?: string }).code).toBe("E_BACKEND_REJECTED");
    expect(proxy.stats.requests, `requests answered ${status}`).toBe(1);
    expect(server.stats.uploads).toBe(0);
  });
});
