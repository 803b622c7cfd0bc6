/**
 * Light mode with no endpoint that is both quick and honest: one hangs (no answer at all), one lies
 * (answers 200 with other bytes of the right length), one is slow but serves the content. The fetch
 * must still end with the file verified, inside its deadline (the job's deadlineMs is the bound:
 * past it the fetch fails), the liar never asked twice for a piece (its bytes fail the piece's
 * sha256: E_INTEGRITY, the next endpoint) and the slow one's pieces never cut while their bytes come.
 *
 * Real Codex test server on 127.0.0.1 behind fault proxies (hang, other bytes, slow).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";
import { alwaysFault as always, codexEndpoint as endpoint, sharedOnCodexNode as sharedOnNode } from "./support/light-endpoints.js";


/** Attempts cut after 600 ms without progress; the whole fetch has 30 s (its bound). */
const policy = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 600, deadlineMs: 30_000, maxAttempts: 20 };

async function threeEndpoints(serverUrl: string) {
  const hang = await always(serverUrl, { kind: "hang", phase: "before-headers" });
  const liar = await always(serverUrl, { kind: "other-bytes" });
  // 4 KiB every 40 ms: about 0.3 s per 32 KiB piece, never 600 ms without a byte.
  const slow = await always(serverUrl, { kind: "slow", chunkBytes: 4 * KiB, everyMs: 40 });
  // The bad ones first: every piece meets them before the honest one.
  const endpoints = [endpoint(hang.url, 600), endpoint(liar.url, 20_000), endpoint(slow.url, 20_000)];
  return { hang, liar, slow, endpoints };
}

describe("light mode: a hanging, a lying and a slow endpoint", () => {
  test("a fetch to a file ends verified inside its deadline; the liar is asked at most once per piece, the slow one serves each piece once", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode(200 * KiB);
    const { liar, slow, endpoints } = await threeEndpoints(server.url);
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: policy });
    const out = join(dir, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(liar.stats.injected["other-bytes"] ?? 0).toBeGreaterThan(0);
    expect(liar.stats.requests).toBeLessThanOrEqual(pieces);
    expect(slow.stats.requests).toBe(pieces);
  });

  test("a stream (fetchStream) ends verified too, its bytes only ever the honest ones", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode(150 * KiB);
    const { liar, slow, endpoints } = await threeEndpoints(server.url);
    const { client } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: policy });
    const parts: Buffer[] = [];
    for await (const chunk of client.fetchStream(reference)) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    expect(liar.stats.requests).toBeLessThanOrEqual(pieces);
    expect(slow.stats.requests).toBe(pieces);
  });
});
