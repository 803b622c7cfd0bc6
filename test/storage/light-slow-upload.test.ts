/**
 * An endpoint that takes an upload's connection but reads its body at a trickle (a node whose disk
 * or uplink crawls, a throttling gateway) must be left for another endpoint the way a download that
 * trickles is, not kept until the job's deadline fails the share.
 *
 * The trickle has to beat loopback's socket buffers: about 4 MiB of a body is taken at once, and
 * Linux wakes a blocked writer only once a third or so of its send buffer is free, so a slower
 * reader shows as a stall (cut by the idle deadline already), not as a slow transfer.
 *
 * The job's deadline runs on a clock of the test's own that stands still (the client's `timers`):
 * the time left is `deadlineMs` throughout, whatever the host's load. On real time, CI at a4510f3
 * (load about 12 on 2 cores) spent the 10 s deadline reading, sealing and hashing the 20 MiB, the
 * trickle and the good endpoint's upload, and failed the share. The verdict is then the endpoint's
 * rate against 1 s: at the first judgment, an attempt timeout (5 s) in, about 10 MiB of the 20 have
 * gone (about 5 MiB into buffers at once, then 1 MiB/s), so the rest would need about 5 s. A loaded host trickles
 * slower and needs longer; the check would let the upload stay only if 17 MiB had gone by then.
 * The attempt and idle timeouts (5 s) are over three times the gap between progress reports
 * (about 1.5 s at 1 MiB/s), so a trickle slowed by load is not taken for a stall.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { EndpointPool, linkedSignal, withRetries, type RetryPolicy, type TimerPort } from "../../src/storage/retry/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { MiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const STALL_MS = 5_000;

async function node(): Promise<{ server: CodexTestServer; backend: CodexBackend }> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  const backend = createCodexBackend({ url: server.url, requestTimeoutMs: STALL_MS });
  onTestFinished(() => backend.close());
  return { server, backend };
}

/** 64 KiB every 60 ms, about 1 MiB/s: progress about every 1.5 s, never a stall; about 16 s for the 20 MiB piece. */
function trickle(server: CodexTestServer): void {
  server.inject("upload", { kind: "slow", chunkBytes: 64 * 1024, everyMs: 60 }, { times: 10 });
}

/** The job deadline's clock: it stands still and its timers never fire, so the time left stays deadlineMs. */
const stillClock: TimerPort = { now: () => 0, setTimer: () => () => undefined };

const retry = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 6, attemptTimeoutMs: STALL_MS, deadlineMs: 1_000 };

describe("light mode and an endpoint that reads uploads slowly", () => {
  test("an upload an endpoint reads too slowly to finish before the deadline moves to another endpoint instead of failing the share", async () => {
    const slow = await node();
    const good = await node();
    trickle(slow.server);
    const { client, dir } = await startClient({
      mode: "light",
      endpointOrder: "listed",
      endpoints: [slow.backend, good.backend],
      backend: undefined,
      retry,
      timers: stillClock,
      chunkSize: 64 * 1024,
      pieceSize: 24 * MiB,
    });
    const { path } = writeRandomFile(dir, "video.mp4", 20 * MiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces).toHaveLength(1);
    expect(slow.server.stats.byRoute.upload).toBe(1);
    expect(good.server.cids()).toContain(view.pieces[0]?.cid);
  });

  test("the attempt it leaves fails with a retryable E_TIMEOUT naming the endpoint and the rate", async () => {
    const slow = await node();
    const good = await node();
    trickle(slow.server);
    const body = Buffer.alloc(20 * MiB, 1);
    const failures: unknown[] = [];
    const policy: RetryPolicy = { ...retry, maxRetryAfterMs: 0, pausedStreamYieldMs: 0, failureMemoryMs: 60_000 };
    // The job's deadline as the client makes it: a linked signal on its timers, whose time left the rate is judged against.
    const job = linkedSignal(undefined, retry.deadlineMs, "job", stillClock);
    onTestFinished(() => job.dispose());
    const cid = await withRetries({ pool: new EndpointPool([slow.backend, good.backend]), policy, signal: job.signal, what: "put of piece 0" }, (backend, signal, progress) =>
      backend.put(body, { signal, size: body.byteLength, progress }).catch((error: unknown) => {
        failures.push(error);
        throw error;
      }),
    );
    expect(good.server.cids()).toEqual([cid]);
    expect(failures).toHaveLength(1);
    const error = failures[0] as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_TIMEOUT");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(slow.backend.location);
    expect(error.message).toMatch(/would need about \d+ s more at its rate so far \(\d+ of 20971520 bytes in \d+ s, [\d.]+ KiB\/s\)/);
  });
});
