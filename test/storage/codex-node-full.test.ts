/**
 * A Codex node whose storage is full answers an upload with 500 and a plain-text body: "Unable to
 * store block <cid>" (nim-codex's store() when a block cannot be written: its repo's quota or disk
 * is full), or the repo's own "Quota usage would exceed the limit. …" (when the manifest block is
 * the one that does not fit). The backend read it as any 500, E_BACKEND_HTTP "worth another
 * attempt": a full-mode client retried its own full node with backoff for every attempt of the
 * piece and then failed with a message that said to try again, never that the node is full. A full
 * node does not clear in seconds: it is E_QUOTA_EXCEEDED naming the node's storage, never retried
 * there; light mode moves to the next endpoint at once.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const NODE_ANSWERS = [
  "Unable to store block zDzSvJTezk7bJNQqFq1T2rWa8ncTrVCSbgdYwNXTCqLaVjxfnRtj",
  "Quota usage would exceed the limit. Used: 21474770944, reserved: 0, limit: 21474836480",
];

describe("Codex backend: a node whose storage is full", () => {
  test.each(NODE_ANSWERS)("put answered 500 %j is E_QUOTA_EXCEEDED naming the node's storage, tried on the next endpoint", async (body) => {
    const { server, backend } = await codexSetup();
    server.inject("upload", { kind: "status", status: 500, body });
    const error = await storageError(backend.put(pattern(5000)), "E_QUOTA_EXCEEDED");
    expect(error.message).toMatch(/storage is full/);
    expect(error.message).toContain(server.url);
    expect(error.details).toMatchObject({ status: 500, body });
    expect(classifyFailure(error)).toBe("next-endpoint");
  });

  test("the test server's own full quota (an upload past quotaMaxBytes) reads the same", async () => {
    const { backend } = await codexSetup({}, { quotaMaxBytes: 1000 });
    await storageError(backend.put(pattern(5000)), "E_QUOTA_EXCEEDED");
  });

  test("other 500s of put, and a 500 naming the quota on other calls, stay a retryable E_BACKEND_HTTP", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(100));
    server.inject("upload", { kind: "status", status: 500, body: "Unable to init block from chunk!" });
    expect(classifyFailure(await storageError(backend.put(pattern(5000)), "E_BACKEND_HTTP"))).toBe("retry");
    server.inject("upload", { kind: "status", status: 503, body: "" });
    await storageError(backend.put(pattern(5000)), "E_BACKEND_HTTP");
    server.inject("download", { kind: "status", status: 500, body: "Unable to store block: quota exceeded" });
    await storageError(async () => (await backend.get(cid)).body, "E_BACKEND_HTTP");
  });
});

describe("a client on a full node", () => {
  function endpoint(url: string): CodexBackend {
    const backend = createCodexBackend({ url, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    return backend;
  }

  test("one endpoint: the share fails after one request with E_QUOTA_EXCEEDED, not after every retry", async () => {
    const full = await startCodexTestServer({ quotaMaxBytes: 1000 });
    onTestFinished(() => full.close());
    const { client, dir } = await startClient({ backend: endpoint(full.url), piecesInFlight: 1, retry: { baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 8 } });
    // One piece: one request, where every retry of the policy was made before.
    const { path } = writeRandomFile(dir, "a.bin", 20 * KiB);
    const error = await client.share({ path }).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_QUOTA_EXCEEDED");
    expect((error as StorageError).message).toMatch(/storage is full/);
    expect(full.stats.byRoute.upload).toBe(1);
  });

  test("light mode: the full endpoint is left at once for the next, and later pieces start at the one that worked", async () => {
    const full = await startCodexTestServer({ quotaMaxBytes: 1000 });
    onTestFinished(() => full.close());
    const { server: good } = await codexSetup();
    const { client, dir } = await startClient({
      mode: "light",
      endpointOrder: "listed",
      backend: undefined,
      // One piece sealed at a time (two stores at most): the first failover makes the good endpoint the one later pieces start at.
      piecesInFlight: 1,
      endpoints: [endpoint(full.url), endpoint(good.url)],
      // A backoff would show: the jitter is pinned near its ceiling, and one retry's wait is longer than the test's own timeout.
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, attemptTimeoutMs: 5_000, deadlineMs: 600_000, maxAttempts: 4 },
      random: () => 0.99,
    });
    const { path } = writeRandomFile(dir, "a.bin", 200 * KiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(4);
    expect(full.stats.byRoute.upload).toBeGreaterThanOrEqual(1);
    expect(full.stats.byRoute.upload).toBeLessThanOrEqual(2);
    expect(good.stats.uploads).toBe(view.pieces.length);
  }, 20_000);
});
