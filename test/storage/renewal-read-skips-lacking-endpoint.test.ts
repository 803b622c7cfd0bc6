import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;

describe("renewal's read back when the endpoint tried first said it lacks the piece", () => {
  test("the one-attempt read back is not sent to an endpoint whose /exists said it lacks the piece (Codex hangs on it: an attempt's timeout per piece)", async () => {
    const servers: CodexTestServer[] = [];
    const endpoints: CodexBackend[] = [];
    for (let i = 0; i < 2; i++) {
      const server = await startCodexTestServer();
      onTestFinished(() => server.close());
      servers.push(server);
      const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 2_000 });
      onTestFinished(() => backend.close());
      endpoints.push(backend);
    }
    const [first, second] = servers as [CodexTestServer, CodexTestServer];
    const [firstEndpoint, secondEndpoint] = endpoints as [CodexBackend, CodexBackend];
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const client = await StorageClient.open({
      protocol: 3,
      mode: "light",
      endpoints,
      endpointOrder: "listed",
      statePath: join(dir, "state.sqlite"),
      dataDir: join(dir, "data"),
      renewEveryMs: 0,
      retry: { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 2_000, deadlineMs: 60_000, maxAttempts: 3 },
      clock: { now: () => clock.t },
      ...SMALL_PIECES,
    });
    onTestFinished(() => client.stop());
    const shared = await client.share({ path: writeRandomFile(dir, "photo.jpg", 20 * KiB).path }).done;
    // The first node lost the pieces (and, as Codex does, hangs on a read of them); the second holds them.
    for (const piece of shared.view.pieces) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await firstEndpoint.get(piece.cid)).body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      expect(await secondEndpoint.put(bytes, { size: bytes.byteLength })).toBe(piece.cid);
      await firstEndpoint.delete(piece.cid);
    }
    first.behaviour.missingContent = "hang";
    clock.t = start + 28 * DAY;

    const downloadsBefore = first.stats.byRoute.download ?? 0;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(shared.view.pieces.length);
    expect((first.stats.byRoute.download ?? 0) - downloadsBefore).toBe(0);
  });
});
