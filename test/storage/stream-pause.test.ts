/**
 * fetchStream's job deadline bounds the transfer, not the consumer: a viewer that pauses (a video
 * paused longer than deadlineMs) must be able to go on reading, while a transfer that is itself
 * slower than the deadline still ends with E_TIMEOUT.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { linkedSignal } from "../../src/storage/retry/linked-signal.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const DEADLINE = 400;
const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, attemptTimeoutMs: 5_000, deadlineMs: DEADLINE };
/** For the paused consumer: the transfer itself (about 200 ms on a loaded 2-core machine) must fit well inside it. */
const PAUSED_DEADLINE = 1_000;

// Every case here waits (pauses longer than a deadline, a trickled transfer, timers) with its own
// clients and nodes, so all run at once; each passes its context's onTestFinished to the fixtures,
// as a concurrent test must.
describe.concurrent("fetchStream's deadline and a consumer that pauses", () => {
  test("a consumer that holds the stream paused longer than deadlineMs reads the rest of the file afterwards", async ({ onTestFinished }) => {
    const sender = await startClient({ finished: onTestFinished });
    const { path, bytes } = writeRandomFile(sender.dir, "video.bin", 300 * KiB);
    const { reference, view } = await sender.client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(4);
    const { client } = await startClient({ backend: sender.backend, retry: { ...retry, deadlineMs: PAUSED_DEADLINE }, piecesInFlight: 2, finished: onTestFinished });
    const parts: Buffer[] = [];
    const stream = client.fetchStream(reference);
    for await (const part of stream) {
      parts.push(part);
      // Paused (the viewer pressed pause) twice, each time longer than the whole deadline (by half of it: a timer never fires early).
      if (parts.length === 1 || parts.length === 20) await sleep(PAUSED_DEADLINE * 1.5);
    }
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  }, 20_000);

  test("a transfer slower than deadlineMs while the consumer keeps reading still ends with E_TIMEOUT", async ({ onTestFinished }) => {
    const { server, backend: node } = await codexSetup({}, {}, onTestFinished);
    const sender = await startClient({ backend: node, finished: onTestFinished });
    const { path } = writeRandomFile(sender.dir, "slow.bin", 40 * KiB);
    const { reference } = await sender.client.share({ path }).done;
    // About 1 s per 32 KiB piece: slower than the deadline in total, never stalled.
    server.inject("download", { kind: "slow", chunkBytes: 2 * KiB, everyMs: 60 }, { times: 1000 });
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 5_000 });
    onTestFinished(() => endpoint.close());
    const { client } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, finished: onTestFinished });
    const started = performance.now();
    const error = await (async () => {
      for await (const part of client.fetchStream(reference)) void part;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_TIMEOUT");
    expect(performance.now() - started).toBeLessThan(DEADLINE + 3_000);
  }, 20_000);
});

describe("linkedSignal pause and resume", () => {
  // Fake timers and a fake performance clock (linkedSignal reads both): the link's timer fires at
  // exactly the time the test moves to. On real timers the rest after resume() (300 ms) was bounded
  // by 900 ms measured on the machine's clock, which a process not run for 600 ms or more exceeds.
  // Not concurrent: the fetchStream cases above run on real timers.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("paused time does not count: a pause longer than the timeout never fires it, and after resume it fires when the rest of the time has passed", ({ onTestFinished }) => {
    const TIMEOUT = 1_000;
    const link = linkedSignal(undefined, TIMEOUT, "t");
    onTestFinished(() => link.dispose());
    vi.advanceTimersByTime(700);
    link.pause();
    vi.advanceTimersByTime(TIMEOUT + 100);
    expect(link.signal.aborted).toBe(false);
    link.resume();
    // The rest left at the pause (300 ms), not 0 (fired at once) and not the whole timeout again.
    vi.advanceTimersByTime(299);
    expect(link.signal.aborted).toBe(false);
    // Due at 300 ms, it fires once the sockets were read (a setImmediate, which the fake clock runs 1 ms on).
    vi.advanceTimersByTime(2);
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as DOMException).name).toBe("TimeoutError");
  });

  test("disposed while paused, resume arms nothing and the signal never fires", () => {
    const link = linkedSignal(undefined, 50, "t");
    link.pause();
    vi.advanceTimersByTime(100);
    link.dispose();
    link.resume();
    vi.advanceTimersByTime(100);
    expect(link.signal.aborted).toBe(false);
  });
});
