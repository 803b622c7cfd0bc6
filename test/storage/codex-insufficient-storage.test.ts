/**
 * HTTP 507 Insufficient Storage (RFC 4918): the node, or a proxy in front of it (a gateway over a
 * disk-backed cache or a WebDAV-style store), has no room to complete the request. It was read as
 * any 5xx, E_BACKEND_HTTP "worth another attempt": a share retried the full endpoint with backoff
 * for every attempt of its piece, where the node's own "storage full" answer (500 "Unable to store
 * block", 2982584) is E_QUOTA_EXCEEDED and the next endpoint at once. A full store does not clear
 * within a job's retries: 507 is E_QUOTA_EXCEEDED too.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("Codex backend: 507 Insufficient Storage", () => {
  test("put answered 507 is E_QUOTA_EXCEEDED naming the endpoint's storage, tried on the next endpoint", async () => {
    const { server, backend } = await codexSetup();
    server.inject("upload", { kind: "status", status: 507, body: "Insufficient Storage" });
    const error = await storageError(backend.put(pattern(5000)), "E_QUOTA_EXCEEDED");
    expect(error.message).toMatch(/storage.*is full/);
    expect(error.message).toContain("507");
    expect(error.details).toMatchObject({ status: 507 });
    expect(classifyFailure(error)).toBe("next-endpoint");
  });

  test("a download answered 507 (a node that cannot store the blocks it would fetch) is E_QUOTA_EXCEEDED too", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(100));
    server.inject("download", { kind: "status", status: 507, body: "" });
    const error = await storageError(async () => (await backend.get(cid)).body, "E_QUOTA_EXCEEDED");
    expect(error.message).toContain(cid);
    expect(classifyFailure(error)).toBe("next-endpoint");
  });

  test("light mode: the piece goes to the next endpoint after one request to the full one", async () => {
    const { server: full } = await codexSetup();
    const { server: good } = await codexSetup();
    full.inject("upload", { kind: "status", status: 507, body: "Insufficient Storage" }, { times: 100 });
    const endpoint = (url: string): CodexBackend => {
      const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
      onTestFinished(() => backend.close());
      return backend;
    };
    const { client, dir } = await startClient({
      mode: "light",
      endpointOrder: "listed",
      backend: undefined,
      piecesInFlight: 1,
      endpoints: [endpoint(full.url), endpoint(good.url)],
      // A retry on the full endpoint would show: its backoff (pinned near the ceiling) is longer than the test's timeout.
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, attemptTimeoutMs: 5_000, deadlineMs: 600_000, maxAttempts: 4 },
      random: () => 0.99,
    });
    const { path } = writeRandomFile(dir, "a.bin", 20 * KiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBe(1);
    expect(full.stats.byRoute.upload).toBe(1);
    expect(good.stats.uploads).toBe(1);
  }, 20_000);
});
