/**
 * An upload's slow endpoint is judged by the whole job, as a download's is (light-slow-whole-job):
 * each piece of a file may reach an endpoint that reads uploads slowly before the job's deadline
 * while the file as a whole cannot. Judged piece by piece, every piece stayed there (it worked, so
 * it stayed the preferred endpoint) until the deadline was nearly spent, and the share failed
 * E_TIMEOUT or finished just before it, while another endpoint would have taken it in seconds.
 *
 * The job's deadline runs on timers of the test's own that stand still (the client's `timers`): the
 * time left is deadlineMs throughout, so the verdict is the slow endpoint's rate against it alone. On
 * real time a loaded host spent the deadline on the share itself (one run took 8.4 s).
 */
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { HeldTimers } from "./support/held-timers.js";
import { SlowPutBackend } from "./support/slow-put-backend.js";

/** 1 KiB every 50 ms, about 20 KiB/s: a 32 KiB piece in about 1.6 s, the 16 pieces of the file in about 26 s (13 s two at a time). */
const SLOW = { chunkBytes: KiB, everyMs: 50 };

/**
 * 8 KiB every 10 ms, a piece in about 40 ms: fast, yet the rest of the file still on its way when the
 * second piece on the slow endpoint is judged (a piece with nothing else left fits the deadline there, and stays).
 */
const FAST = { chunkBytes: 8 * KiB, everyMs: 10 };

/** Each piece alone fits the 4 s deadline at the slow rate (judged after 500 ms); the whole file does not. */
const retry = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 500, deadlineMs: 4_000, maxAttempts: 12 };

describe("light mode: an endpoint that reads uploads slowly is judged by the whole job", () => {
  test("a share whose pieces each fit the deadline on the slow endpoint, but whose file does not, moves to the fast endpoint at once", async () => {
    const dir = tempDir("scc-slow-upload-job-");
    const slow = new SlowPutBackend(localStore(`${dir}/slow`), "slow", SLOW);
    const fast = new SlowPutBackend(localStore(`${dir}/fast`), "fast", FAST);
    const timers = new HeldTimers();
    const { client } = await startClient({
      dir,
      mode: "light",
      endpointOrder: "listed",
      endpoints: [slow, fast],
      backend: undefined,
      retry,
      timers,
      chunkSize: 4 * KiB,
      pieceSize: 32 * KiB,
      piecesInFlight: 1,
    });
    const { path } = writeRandomFile(dir, "video.mp4", 512 * KiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces).toHaveLength(16);
    // The pieces on their way at first are judged there and leave; none is stored there, every one on the fast endpoint.
    expect(slow.requests).toBeGreaterThanOrEqual(1);
    expect(slow.requests).toBeLessThanOrEqual(2);
    expect(slow.stored).toBe(0);
    expect(fast.stored).toBe(16);
    // Those cuts were judged by the job: retried as too slow, on the way up.
    expect(await client.metrics.text()).toMatch(/storage_retries_total\{direction="up",code="E_TIMEOUT"\} [12]\n/);
    // Moved by the check, not ended by the deadline: its timer never fired (on held time it cannot), and no other is left.
    expect(timers.fired).toEqual([]);
    await client.stop();
    expect(timers.pending()).toEqual([]);
  });
});
