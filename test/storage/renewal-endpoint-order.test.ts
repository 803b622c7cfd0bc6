/**
 * Renewal asks the endpoints whether they still hold a piece (/exists) before it reads it back. It
 * must ask them in the order, and with the knowledge of failures, that transfers use: not always the
 * list's first endpoint (every client of a release would load it), and not first one the client
 * already found hanging (each run would pay its timeout).
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;
const HEADERS_MS = 300;

async function nodes(count: number): Promise<{ servers: CodexTestServer[]; endpoints: CodexBackend[] }> {
  const servers: CodexTestServer[] = [];
  const endpoints: CodexBackend[] = [];
  for (let i = 0; i < count; i++) {
    const server = await startCodexTestServer();
    onTestFinished(() => server.close());
    servers.push(server);
    const backend = createCodexBackend({ url: server.url, requestTimeoutMs: HEADERS_MS });
    onTestFinished(() => backend.close());
    endpoints.push(backend);
  }
  return { servers, endpoints };
}

function existsAsked(server: CodexTestServer): number {
  return server.stats.byRoute.exists ?? 0;
}

async function lightClient(dir: string, endpoints: readonly CodexBackend[], clock: { t: number }, endpointOrder?: "listed"): Promise<StorageClient> {
  const client = await StorageClient.open({
    protocol: 3,
    mode: "light",
    endpoints,
    ...(endpointOrder === undefined ? {} : { endpointOrder }),
    statePath: join(dir, "state.sqlite"),
    dataDir: join(dir, "data"),
    renewEveryMs: 0,
    retry: FAST_RETRY,
    clock: { now: () => clock.t },
    ...SMALL_PIECES,
  });
  onTestFinished(() => client.stop());
  return client;
}

describe("renewal's /exists checks follow the transfers' endpoint order", () => {
  test("an endpoint the client found hanging is not asked first by the next renewal run (it cost that run a timeout before)", async () => {
    const { servers, endpoints } = await nodes(2);
    const [hanging, good] = servers as [CodexTestServer, CodexTestServer];
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const client = await lightClient(dir, endpoints, clock, "listed");
    // The first endpoint takes requests and never answers; the upload finds that out and moves on.
    hanging.inject("*", { kind: "hang", phase: "before-headers" }, { times: 1000 });
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 8 * KiB).path }).done;
    expect(hanging.stats.byRoute.upload).toBe(1);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual(shared.view.pieces.map((p) => p.cid));
    expect(existsAsked(hanging)).toBe(0);
    expect(existsAsked(good)).toBe(1);
  });

  test("thirty clients renewing with the same list of three endpoints ask all three, not all the first", async () => {
    const { servers, endpoints } = await nodes(3);
    for (let c = 0; c < 30; c++) {
      const dir = tempDir();
      const clock = { t: Date.UTC(2026, 0, 1) };
      const client = await lightClient(dir, endpoints, clock);
      await client.share({ path: writeRandomFile(dir, "a.bin", 8 * KiB).path }).done;
      clock.t += 28 * DAY;
      expect((await client.renewDue()).failed).toEqual([]);
      await client.stop();
    }
    const counts = servers.map(existsAsked);
    // Each client asks first the endpoint its upload went to, which holds the piece: one question each.
    expect(counts.reduce((a, b) => a + b, 0), `/exists per endpoint: ${counts.join(", ")}`).toBe(30);
    for (const count of counts) {
      expect(count, `/exists per endpoint: ${counts.join(", ")}`).toBeGreaterThanOrEqual(1);
      expect(count, `/exists per endpoint: ${counts.join(", ")}`).toBeLessThanOrEqual(20);
    }
  });
});
