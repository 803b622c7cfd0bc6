/**
 * The sha256 worker thread can die under a running hash (an uncaught error, out of memory, a
 * terminate). Its running hashes lived in it: they must fail, never go on in a fresh worker from an
 * empty state (a digest of only the later bytes: an upload's reference whose plaintext sha256 no
 * receiver can ever match). Nothing may hang, and the next hash gets a new worker.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Worker } from "node:worker_threads";
import { describe, expect, test } from "vitest";
import { Sha256Offload } from "../../src/crypto/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const local = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The live worker (private), to kill it the ways a real one dies. */
function workerOf(offload: Sha256Offload): Worker {
  const worker = (offload as unknown as { worker: Worker | undefined }).worker;
  if (worker === undefined) throw new Error("no worker is running");
  return worker;
}

/** An uncaught exception inside the worker: a message its program cannot hash. */
async function crash(offload: Sha256Offload): Promise<void> {
  const worker = workerOf(offload);
  // events.once would reject on the worker's 'error', which comes first.
  const exited = new Promise<void>((resolve) => {
    worker.once("exit", () => resolve());
  });
  worker.postMessage({ op: "digest", id: -1, bytes: 42 });
  await exited;
}

async function terminate(offload: Sha256Offload): Promise<void> {
  await workerOf(offload).terminate();
}

/** A hang shows as a failure after 5 s, not as the test's timeout. */
function withDeadline<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("still pending after 5 s")), 5_000)));
  // The timer goes with the race, so it does not hold the test process for 5 s after.
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe("the sha256 worker dying under a running hash", () => {
  test.each([
    ["an uncaught error", crash],
    ["a terminate", terminate],
  ] as const)("after %s, the running hash fails (never a digest of part of the bytes) and a new hash works", async (_how, kill) => {
    const offload = new Sha256Offload(1024);
    try {
      const [a, b] = [randomBytes(300_000), randomBytes(300_000)];
      const running = offload.running(600_000);
      await running.update(a);
      await kill(offload);
      const outcome = await withDeadline(running.update(b)).then(
        () => running.digest().then((d) => `digest ${hex(d) === local(b) ? "of the later bytes only" : hex(d)}`),
        (error: unknown) => `rejected: ${(error as Error).message}`,
      );
      expect(outcome).toMatch(/^rejected: .*sha256 worker/);
      const fresh = offload.running(300_000);
      await fresh.update(a);
      expect(hex(await fresh.digest())).toBe(local(a));
      expect(hex(await offload.digest(b))).toBe(local(b));
    } finally {
      await offload.close();
    }
  });

  test("a terminate while an update is pending fails the hash (no hang, never a digest); a one-shot digest pending is computed in place", async () => {
    const offload = new Sha256Offload(1024);
    try {
      const big = randomBytes(32 * 1024 * 1024);
      const running = offload.running(big.byteLength);
      const update = running.update(big);
      const oneShot = offload.digest(big);
      await workerOf(offload).terminate();
      // Usually the update itself is refused. A main thread held up 60 ms or more before the terminate
      // (a loaded machine) lets the worker finish the update first: then the digest must be refused.
      const settled = await withDeadline(update).then(
        () => withDeadline(running.digest()).then(
          () => "a digest from the dead worker's hash",
          (error: unknown) => `digest rejected: ${(error as Error).message}`,
        ),
        (error: unknown) => `update rejected: ${(error as Error).message}`,
      );
      expect(settled).toMatch(/^(update|digest) rejected: .*sha256 worker/);
      expect(hex(await oneShot)).toBe(local(big));
    } finally {
      await offload.close();
    }
  });
});
