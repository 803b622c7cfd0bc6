/**
 * status({ probe: true }) asks the endpoints whether they hold each piece. Like renewal's checks it
 * must follow the transfers' order and what they learnt, not the list: a client that already found
 * the first endpoint hanging paid its timeout on every probe, and every client of a release asked
 * the first endpoint about every piece it looked at.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const HEADERS_MS = 300;

async function node(): Promise<{ server: CodexTestServer; backend: CodexBackend }> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  const backend = createCodexBackend({ url: server.url, requestTimeoutMs: HEADERS_MS });
  onTestFinished(() => backend.close());
  return { server, backend };
}

describe("status probes follow the transfers' endpoint order", () => {
  test("an endpoint the client found hanging is not asked first by a later probe (each probe paid its timeout before)", async () => {
    const hanging = await node();
    const good = await node();
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [hanging.backend, good.backend], backend: undefined });
    hanging.server.inject("*", { kind: "hang", phase: "before-headers" }, { times: 1000 });
    const { reference } = await client.share({ path: writeRandomFile(dir, "a.bin", 8 * KiB).path }).done;
    expect(hanging.server.stats.byRoute.upload).toBe(1);
    expect(await client.status(reference, { probe: true })).toMatchObject({ state: "available", missingPieces: 0 });
    expect(hanging.server.stats.byRoute.exists ?? 0).toBe(0);
  });
});
