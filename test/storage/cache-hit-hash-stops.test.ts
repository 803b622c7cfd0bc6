/**
 * A cache hit is hashed again before it is served (the application holds its path and may have
 * written to it). For a large file that is 48 reads of 1 MiB, seconds on a phone: a stop() or a
 * cancel during it must end the check at the next read, not wait for the whole hash. What is
 * counted is the reads the check hands to the hashing worker after the stop or cancel.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Sha256Offload, type RunningSha256 } from "../../src/crypto/index.js";
import type { StorageError } from "../../src/storage/index.js";
import { CANCELLED } from "../../src/storage/job-errors.js";
import { KiB, MiB, startClient } from "./support/client-fixture.js";

const SIZE = 48 * MiB;
const PIECES = { chunkSize: 64 * KiB, pieceSize: 4 * MiB } as const;

/** Counts the bytes fed to running hashes of `size` from now on; `started` resolves once the first were taken. */
function watchHashesOf(size: number): { started: Promise<void>; updates: () => number } {
  let updates = 0;
  let began: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (began = resolve));
  const original = Sha256Offload.prototype.running;
  vi.spyOn(Sha256Offload.prototype, "running").mockImplementation(function (this: Sha256Offload, expectedBytes: number): RunningSha256 {
    const running = original.call(this, expectedBytes);
    if (expectedBytes !== size) return running;
    return {
      update: async (bytes) => {
        await running.update(bytes);
        updates++;
        began();
      },
      digest: () => running.digest(),
      dispose: () => running.dispose(),
    };
  });
  return { started, updates: () => updates };
}

async function cachedLargeFile(): Promise<{ client: Awaited<ReturnType<typeof startClient>>["client"]; reference: Uint8Array }> {
  const { client } = await startClient(PIECES);
  const { reference } = await client.share({ bytes: randomBytes(SIZE), fileName: "video.mp4" }).done;
  // Fetched once into the cache (its own bytes, spooled: a hit already); the next fetch is the hit under test.
  await client.fetch(reference).done;
  return { client, reference };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the hash check of a large cache hit", () => {
  test("a stop() during it ends the check at the next read: the fetch is stopped (E_CLIENT_CLOSED), not served after the whole hash", async () => {
    const { client, reference } = await cachedLargeFile();
    const watch = watchHashesOf(SIZE);
    const outcome = client.fetch(reference).done.then(
      (r) => (r.fromCache ? "served" : "fetched"),
      (e: StorageError) => e.code,
    );
    await watch.started;
    const before = watch.updates();
    await client.stop();
    expect(await outcome).toBe("E_CLIENT_CLOSED");
    // At most the read already on its way when stop() came; before, all 48.
    expect(watch.updates() - before, "reads hashed after the stop").toBeLessThanOrEqual(1);
  }, 60_000);

  test("a cancel during it ends the check at the next read, cancelled", async () => {
    const { client, reference } = await cachedLargeFile();
    const watch = watchHashesOf(SIZE);
    const job = client.fetch(reference);
    await watch.started;
    const before = watch.updates();
    job.cancel();
    await expect(job.done).rejects.toBe(CANCELLED);
    expect(job.state).toBe("cancelled");
    expect(watch.updates() - before, "reads hashed after the cancel").toBeLessThanOrEqual(1);
  }, 60_000);
});
