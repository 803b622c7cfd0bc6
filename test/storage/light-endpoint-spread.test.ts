/**
 * A Status release ships one endpoint list to every light client. If each client tried the list's
 * first endpoint first, a community receiving (or sending) the same files would all load that one
 * node while the others idled until it failed. Each client must start at its own endpoint, the same
 * one every session (its uploads and their renewals then meet the blocks where they were stored).
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";

async function servers(count: number): Promise<{ servers: CodexTestServer[]; endpoints: CodexBackend[] }> {
  const list: CodexTestServer[] = [];
  const endpoints: CodexBackend[] = [];
  for (let i = 0; i < count; i++) {
    const server = await startCodexTestServer();
    onTestFinished(() => server.close());
    list.push(server);
    const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 2_000 });
    onTestFinished(() => backend.close());
    endpoints.push(backend);
  }
  return { servers: list, endpoints };
}

function uploadsOf(server: CodexTestServer): number {
  return server.stats.byRoute.upload ?? 0;
}

function downloadsOf(server: CodexTestServer): number {
  return server.stats.byRoute.download ?? 0;
}

/** One light client's session on its own state and data directory: shares one single-piece file, stops. */
async function session(dir: string, endpoints: readonly CodexBackend[]): Promise<void> {
  const client = await StorageClient.open({
    protocol: 3,
    mode: "light",
    endpoints,
    statePath: join(dir, "state.sqlite"),
    dataDir: join(dir, "data"),
    renewEveryMs: 0,
    retry: FAST_RETRY,
    ...SMALL_PIECES,
  });
  try {
    await client.share({ path: writeRandomFile(dir, `f${Math.random()}.bin`, 8 * KiB).path }).done;
  } finally {
    await client.stop();
  }
}

describe("light clients sharing one endpoint list", () => {
  test("thirty clients with the same list of three endpoints spread their uploads over all three instead of all using the first", async () => {
    const { servers: nodes, endpoints } = await servers(3);
    for (let c = 0; c < 30; c++) await session(tempDir(), endpoints);
    const counts = nodes.map(uploadsOf);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    // Each client's start is uniform over the three (about 10 each); all 30 on one is what list order gave.
    for (const count of counts) {
      expect(count, `uploads per endpoint: ${counts.join(", ")}`).toBeGreaterThanOrEqual(1);
      expect(count, `uploads per endpoint: ${counts.join(", ")}`).toBeLessThanOrEqual(20);
    }
  });

  test("thirty clients receiving the same file from three endpoints that all hold it read it from all three instead of all from the first", async () => {
    const { servers: nodes, endpoints } = await servers(3);
    // Shared once; the same bytes stored on every endpoint get the same CID there (Codex content is deterministic).
    const senderDir = tempDir();
    const sender = await StorageClient.open({ protocol: 3, backend: endpoints[0] as CodexBackend, statePath: join(senderDir, "s.sqlite"), dataDir: join(senderDir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES });
    const { reference, view } = await sender.share({ path: writeRandomFile(senderDir, "photo.jpg", 8 * KiB).path }).done;
    await sender.stop();
    for (const piece of view.pieces) {
      const { body } = await (endpoints[0] as CodexBackend).get(piece.cid);
      const parts: Uint8Array[] = [];
      for await (const part of body) parts.push(part);
      for (const other of endpoints.slice(1)) expect(await other.put(Buffer.concat(parts))).toBe(piece.cid);
    }
    const before = nodes.map(downloadsOf);
    for (let c = 0; c < 30; c++) {
      const dir = tempDir();
      const client = await StorageClient.open({ protocol: 3, mode: "light", endpoints, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES });
      try {
        await client.fetch(reference, { out: join(dir, "photo.jpg") }).done;
      } finally {
        await client.stop();
      }
    }
    const counts = nodes.map((n, i) => downloadsOf(n) - (before[i] as number));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30 * view.pieces.length);
    for (const count of counts) {
      expect(count, `downloads per endpoint: ${counts.join(", ")}`).toBeGreaterThanOrEqual(1);
      expect(count, `downloads per endpoint: ${counts.join(", ")}`).toBeLessThanOrEqual(20 * view.pieces.length);
    }
  });

  test("a client keeps its starting endpoint across sessions (its state database remembers it)", async () => {
    const { servers: nodes, endpoints } = await servers(3);
    const dirs = [tempDir(), tempDir(), tempDir(), tempDir(), tempDir(), tempDir()];
    const first: number[] = [];
    for (const dir of dirs) {
      const before = nodes.map(uploadsOf);
      await session(dir, endpoints);
      first.push(nodes.findIndex((n, i) => uploadsOf(n) > (before[i] as number)));
    }
    for (const [k, dir] of dirs.entries()) {
      const before = nodes.map(uploadsOf);
      // The application lists the same endpoints in another order in its next release: the client still goes to the same node.
      await session(dir, [...endpoints].reverse());
      expect(nodes.findIndex((n, i) => uploadsOf(n) > (before[i] as number))).toBe(first[k]);
    }
  });

  test("an endpointOrder that is neither spread nor listed is refused with E_UNSUPPORTED naming it", async () => {
    const { endpoints } = await servers(2);
    const dir = tempDir();
    const options = { protocol: 3, mode: "light" as const, endpoints, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0 };
    await expect(StorageClient.open({ ...options, endpointOrder: "random" as "spread" })).rejects.toMatchObject({ code: "E_UNSUPPORTED", details: { option: "endpointOrder" }, message: expect.stringMatching(/endpointOrder must be "spread" \(the default\) or "listed", not .*"random"/) });
    // Nothing stays held: the same state and data directory start right after.
    const client = await StorageClient.open({ ...options, endpointOrder: "listed" });
    await client.stop();
  });
});
