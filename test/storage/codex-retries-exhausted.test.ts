/**
 * What a node answers for content no peer has, once it gives up. `GET /data/{cid}/network/stream`
 * (nim-codex rest/api.nim retrieveCid): node.retrieve asks the network for the manifest block, the
 * block exchange retries (DefaultBlockRetries, DefaultRetryInterval) and fails with
 * RetriesExhaustedError "Error retries exhausted", which is no BlockNotFoundError, so the route
 * answers 500 with that text (sent by the route itself: chronos labels it text/html; charset=utf-8),
 * not the 404 of a local miss. The backend took it for a passing failure (E_BACKEND_HTTP) and the
 * storage client asked the same node again, which searched its peers as long again. It is now
 * E_NOT_FOUND, as the node's 404: the next endpoint, not this one again. `/network/manifest` answers
 * the same error with 404 (presto's text/html), E_NOT_FOUND as before.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const EXHAUSTED = "Error retries exhausted";

describe("Codex backend: a node whose block retries ran out", () => {
  test("get answered 500 'Error retries exhausted' (text/html; charset=utf-8) is E_NOT_FOUND naming the CID, for the next endpoint", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    server.inject("download", { kind: "status", status: 500, body: EXHAUSTED, contentType: "text/html; charset=utf-8" });
    const error = await storageError(backend.get(cid), "E_NOT_FOUND");
    expect(error.message).toContain(cid);
    expect(error.details).toMatchObject({ status: 500, body: EXHAUSTED });
    expect(classifyFailure(error)).toBe("next-endpoint");
  });

  test("manifest answered 404 'Error retries exhausted' stays E_NOT_FOUND", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    server.inject("manifest", { kind: "status", status: 404, body: EXHAUSTED });
    await storageError(backend.manifest(cid), "E_NOT_FOUND");
  });

  test("other 500s of a download are still passing failures (E_BACKEND_HTTP), and so is the text on a put or a page", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    server.inject("download", { kind: "status", status: 500, body: "Unable to fetch block" });
    await storageError(backend.get(cid), "E_BACKEND_HTTP");
    server.inject("download", { kind: "status", status: 500, body: `<html><body>${EXHAUSTED}</body></html>` });
    await storageError(backend.get(cid), "E_BACKEND_HTTP");
    server.inject("upload", { kind: "status", status: 500, body: EXHAUSTED });
    await storageError(backend.put(pattern(10)), "E_BACKEND_HTTP");
  });

  test("a fetch through the node that gave up fails at once with E_NOT_FOUND, after one request, not after asking it again and again", async () => {
    const { server: gaveUp } = await codexSetup();
    const { backend: direct } = await codexSetup();
    const sender = await startClient({ backend: direct });
    const { path } = writeRandomFile(sender.dir, "a.bin", 100 * KiB);
    const { reference } = await sender.client.share({ path }).done;
    gaveUp.inject("download", { kind: "status", status: 500, body: EXHAUSTED, contentType: "text/html; charset=utf-8" }, { times: 1000 });
    const endpoint = createCodexBackend({ url: gaveUp.url, requestTimeoutMs: 5_000 });
    onTestFinished(() => endpoint.close());
    const retry = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 5 };
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, piecesInFlight: 1 });
    const failed = await client.fetch(reference, { out: join(dir, "out.bin") }).done.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failed as { code?: unknown } | undefined)?.code).toBe("E_NOT_FOUND");
    expect(gaveUp.stats.byRoute.download).toBe(1);
  });

  test("light mode: the file comes from the endpoint that has it, the node that gave up asked at most once per piece", async () => {
    const { server: gaveUp } = await codexSetup();
    const { backend: direct } = await codexSetup();
    const sender = await startClient({ backend: direct });
    const { path, bytes } = writeRandomFile(sender.dir, "a.bin", 100 * KiB);
    const { reference, view } = await sender.client.share({ path }).done;
    gaveUp.inject("download", { kind: "status", status: 500, body: EXHAUSTED, contentType: "text/html; charset=utf-8" }, { times: 1000 });
    const endpoint = (url: string): CodexBackend => {
      const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
      onTestFinished(() => backend.close());
      return backend;
    };
    const retry = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 20 };
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [endpoint(gaveUp.url), direct], backend: undefined, retry, piecesInFlight: 1 });
    const out = join(dir, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(gaveUp.stats.byRoute.download ?? 0).toBeLessThanOrEqual(view.pieces.length);
  });
});

describe("Codex backend: the spellings of 'no peer has it' on a download, matched whole", () => {
  // nim-codex engine.nim (RetriesExhaustedError, since the retry rework) and, before it, node.nim
  // retrieve passing on fetchManifest's AsyncTimeoutError: chronos wait()'s "Timeout exceeded!".
  test.each(["Error retries exhausted", "Timeout exceeded!"])("500 %j on get is E_NOT_FOUND (the next endpoint)", async (body) => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    server.inject("download", { kind: "status", status: 500, body, contentType: "text/html; charset=utf-8" });
    const error = await storageError(backend.get(cid), "E_NOT_FOUND");
    expect(error.details).toMatchObject({ status: 500, body });
    expect(classifyFailure(error)).toBe("next-endpoint");
  });

  test.each(["error retries exhausted", "Error retries exhausted for block", " Error retries exhausted", "Error retries exhausted\n", "Timeout exceeded", "timeout exceeded!", "Upstream: Timeout exceeded!"])(
    "500 %j on get is some other failure, retried (E_BACKEND_HTTP)",
    async (body) => {
      const { server, backend } = await codexSetup();
      const cid = await backend.put(pattern(5000));
      server.inject("download", { kind: "status", status: 500, body, contentType: "text/html; charset=utf-8" });
      expect(classifyFailure(await storageError(backend.get(cid), "E_BACKEND_HTTP"))).toBe("retry");
    },
  );
});
