/**
 * A slow endpoint is judged by the whole job it would have to carry, not by one piece. Each piece
 * of a file may finish before the job's deadline at an endpoint's rate while the file as a whole
 * cannot: judged piece by piece, every piece stayed on the slow endpoint (it worked, so it stayed
 * the preferred one) until the deadline was nearly spent, and only a piece started in its last
 * stretch moved to the fast endpoint; the job then finished just before its deadline, or failed
 * E_TIMEOUT (a 30 minute wait for a preview another endpoint serves in seconds). And a link that is
 * slow everywhere (a phone's) must not have every piece thrown away once per endpoint: another
 * endpoint already seen as slow is no better place for it.
 *
 * Deadlines run on timers of the test's own that stand still (the client's `timers`, HeldTimers):
 * the time left is deadlineMs throughout, so a verdict is an endpoint's rate against it alone, not
 * against what the host's load left of it; the deadline fires only when a test moves the time on.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, onTestFinished, test } from "vitest";
import { EndpointPool, LIGHT_RETRY_POLICY, linkedSignal, withRetries } from "../../src/storage/retry/index.js";
import type { ProxyFault } from "../support/fault-proxy/index.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, startClient } from "./support/client-fixture.js";
import { HeldTimers } from "./support/held-timers.js";
import { alwaysFault as always, codexEndpoint as endpoint, sharedOnCodexNode } from "./support/light-endpoints.js";
import { randomBytes } from "node:crypto";


/** 1 KiB every 50 ms, about 20 KiB/s: a 32 KiB piece in about 1.6 s, the 8 pieces of the file in about 13 s. */
const SLOW: ProxyFault = { kind: "slow", chunkBytes: KiB, everyMs: 50 };

/**
 * Each piece alone fits the 8 s deadline at the slow rate (judged after 500 ms); the whole file does not.
 * No hedged attempts (light mode's hedgeAfterMs, 1 s): a hedge to the fast endpoint moved each piece
 * too, so these cases passed with the pieces judged one by one.
 */
const retry = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 500, deadlineMs: 8_000, maxAttempts: 12, hedgeAfterMs: 0 };

const sharedOnNode = () => sharedOnCodexNode(256 * KiB, "video.mp4");

describe("light mode: a slow endpoint is judged by the whole job", () => {
  test("a stream whose pieces each fit the deadline on a slow endpoint, but whose file does not, moves to the fast endpoint at once", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode();
    const slow = await always(server.url, SLOW);
    const fast = await always(server.url, { kind: "pass" });
    const timers = new HeldTimers();
    const { client } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [endpoint(slow.url), endpoint(fast.url)], backend: undefined, retry, timers, piecesInFlight: 1 });
    const parts: Buffer[] = [];
    for await (const part of client.fetchStream(reference)) parts.push(part);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    expect(pieces).toBe(8);
    // The first piece is judged there and leaves; no later piece goes there. (The proxy counts an
    // answer it forwarded whole as an ineffective fault: a piece the slow endpoint delivered.)
    expect(slow.stats.requests).toBe(1);
    expect(slow.stats.ineffective).toBe(0);
    // Moved by the check, not ended by the deadline: its timer never fired.
    expect(timers.fired).toEqual([]);
  });

  test("a fetch to a file likewise, with pieces in flight: the slow endpoint serves no whole piece", async () => {
    const { server, reference, bytes, pieces } = await sharedOnNode();
    const slow = await always(server.url, SLOW);
    const fast = await always(server.url, { kind: "pass" });
    // Two at a time, the file needs about 6.5 s at the slow rate: past a 4 s deadline, each piece (1.6 s) well within it.
    const timers = new HeldTimers();
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [endpoint(slow.url), endpoint(fast.url)], backend: undefined, retry: { ...retry, deadlineMs: 4_000 }, timers, piecesInFlight: 2 });
    const out = join(dir, "out.mp4");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    // The two pieces in flight at first are judged there and leave; none is delivered from there.
    expect(slow.stats.requests).toBeLessThanOrEqual(2);
    expect(slow.stats.ineffective).toBe(0);
    expect(fast.stats.requests).toBeGreaterThanOrEqual(pieces);
    expect(timers.fired).toEqual([]);
  });

  test("when every endpoint is as slow (the link is), a piece leaves an endpoint at most once: the other was seen as slow", async () => {
    const { server, reference, bytes } = await sharedOnNode();
    const a = await always(server.url, SLOW);
    const b = await always(server.url, SLOW);
    const policy = { ...retry, deadlineMs: 4_000 };
    const timers = new HeldTimers();
    const { client } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [endpoint(a.url), endpoint(b.url)], backend: undefined, retry: policy, timers, piecesInFlight: 1 });
    const stream = client.fetchStream(reference)[Symbol.asyncIterator]();
    let got = 0;
    const failed = await (async () => {
      for (;;) {
        // Asking for the next part resumes the stream at once (its deadline counts again), so the time
        // moved on here counts: once two pieces came (the second judged on b and kept there), the deadline passes.
        const next = stream.next();
        if (got >= bytes.byteLength / 4 && timers.fired.length === 0) timers.advance(policy.deadlineMs);
        const { done, value } = await next;
        if (done === true) return undefined;
        got += value.byteLength;
      }
    })().catch((error: unknown) => error);
    // The file cannot make the deadline at the link's rate: the stream fails, as before, when its deadline fires.
    expect(failed).toMatchObject({ code: "E_TIMEOUT" });
    expect(timers.fired).toEqual([policy.deadlineMs]);
    // The first piece left a for b (b's rate was not known yet); later pieces stayed where they were.
    expect(await client.metrics.text()).toMatch(/storage_retries_total\{direction="down",code="E_TIMEOUT"\} 1\n/);
    expect(a.stats.requests).toBe(1);
  });

  test("an endpoint measured slow for uploads is not taken as slow for downloads: rates are kept per direction", async () => {
    const { server, backend: direct } = await codexSetup();
    const bytes = randomBytes(160 * KiB);
    const cid = await direct.put(bytes);
    const slow = await always(server.url, SLOW);
    const fast = await always(server.url, { kind: "pass" });
    const pool = new EndpointPool([endpoint(slow.url), endpoint(fast.url)]);
    // A phone's uplink: an earlier upload measured the fast endpoint at 1 KiB/s, far below the slow one's downloads.
    pool.noteRate(1, "up", 1);
    // 160 KiB at 20 KiB/s: 8 s, past the 4 s deadline (the job's, on held time: 4 s left throughout).
    const job = linkedSignal(undefined, 4_000, "job", new HeldTimers());
    onTestFinished(() => job.dispose());
    const policy = { ...LIGHT_RETRY_POLICY, ...retry };
    const got = await withRetries({ pool, policy, signal: job.signal, what: "fetch of one piece", direction: "down" }, async (backend, signal, progress) => {
      const { size, body } = await backend.get(cid, { signal });
      const parts: Uint8Array[] = [];
      let done = 0;
      for await (const chunk of body) {
        parts.push(chunk);
        done += chunk.byteLength;
        progress(done, size);
      }
      return Buffer.concat(parts);
    });
    expect(got.equals(bytes)).toBe(true);
    // Moved to the fast endpoint (on held time the deadline never cuts a piece left on the slow one).
    expect(slow.stats.requests).toBe(1);
    expect(fast.stats.requests).toBe(1);
    expect(slow.stats.ineffective).toBe(0);
    expect(pool.rateOf(1, "up")).toBe(1);
  });
});
