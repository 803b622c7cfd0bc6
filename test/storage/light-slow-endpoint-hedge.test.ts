/**
 * Light mode with a slow endpoint (20 KiB/s, steady: neither a failure nor a stall) first in the
 * client's order and a good one behind it. Before, every piece ran on the slow one and the good one
 * stayed idle (a steady slow transfer never fails over). Now a piece running past hedgeAfterMs is
 * asked of an endpoint not measured slower too (first verified answer wins, the other is aborted),
 * and later pieces go to the endpoint measured fastest: the slow one keeps only the first window.
 *
 * Real Codex test server on 127.0.0.1 behind fault proxies (slow drip, pass).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";
import { alwaysFault as always, codexEndpoint as endpoint, sharedOnCodexNode as sharedOnNode } from "./support/light-endpoints.js";

/** Long attempt timeout and deadline: the slow endpoint is never cut, only out-raced. */
const policy = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 20_000, deadlineMs: 60_000, maxAttempts: 12, hedgeAfterMs: 200 };

async function slowThenGood(serverUrl: string) {
  // 2 KiB every 100 ms: 20 KiB/s, about 1.6 s per 32 KiB piece, never a stall.
  const slow = await always(serverUrl, { kind: "slow", chunkBytes: 2 * KiB, everyMs: 100 });
  const good = await always(serverUrl, { kind: "pass" });
  return { slow, good, endpoints: [endpoint(slow.url), endpoint(good.url)] };
}

describe("light mode: a slow endpoint first, a good one behind it", () => {
  test("a fetch to a file takes most pieces from the good endpoint; the slow one is asked only for the first window", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode(300 * KiB);
    const { slow, good, endpoints } = await slowThenGood(server.url);
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: policy });
    const out = join(dir, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(pieces).toBe(10);
    // Light mode moves 3 pieces at once: those started before anything was measured.
    expect(slow.stats.requests).toBeLessThanOrEqual(3);
    expect(good.stats.requests).toBeGreaterThanOrEqual(pieces - 3);
  });

  test("a stream (fetchStream) likewise", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode(300 * KiB);
    const { slow, good, endpoints } = await slowThenGood(server.url);
    const { client } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: policy });
    const parts: Buffer[] = [];
    for await (const chunk of client.fetchStream(reference)) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    // fetchStream moves piecesInFlight (3 in light mode) at once too: those started before anything was measured.
    expect(slow.stats.requests).toBeLessThanOrEqual(3);
    expect(good.stats.requests).toBeGreaterThanOrEqual(pieces - 3);
  });
});
