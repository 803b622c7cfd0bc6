/**
 * stop() aborts what the client has under way and leaves no socket or timer behind; renewal runs
 * are linked to it. A status({ probe: true }) asking a node that does not answer was not: stop()
 * resolved with the probe's request still open, and status() settled only at the backend's request
 * timeout (minutes on a Codex node searching the network), with that endpoint's error, long after
 * the client had stopped.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("stop() and a status probe under way", () => {
  test("a probe waiting on a node that never answers is ended by stop(): status() has rejected E_CLIENT_CLOSED by the time stop() resolves", async () => {
    const server = await startCodexTestServer();
    onTestFinished(() => server.close());
    // Far longer than the test: only stop() can end the request.
    const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 120_000 });
    onTestFinished(() => backend.close());
    const { client, dir } = await startClient({ backend });
    const { reference } = await client.share({ path: writeRandomFile(dir, "a.bin", 8 * KiB).path }).done;
    server.inject("exists", { kind: "hang", phase: "before-headers" }, { times: 1000 });
    let outcome: unknown = "pending";
    const probing = client.status(reference, { probe: true }).then(
      (status) => (outcome = status),
      (error: unknown) => (outcome = error),
    );
    while ((server.stats.byRoute.exists ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.stop();
    expect(outcome).toMatchObject({ code: "E_CLIENT_CLOSED" });
    await probing;
  });
});
