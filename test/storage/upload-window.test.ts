/** The upload's window moves on while sealed pieces wait for the store, within a bound. */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { sealedBufferCount } from "../../src/storage/upload/run-upload.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { SMALL_PIECES, fileSha256, localStore, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

const WIDTH = 2;
/** Sealed pieces that may wait for the store at once. */
const WAITING = sealedBufferCount(WIDTH);
const PIECES = 12;

/** Puts that wait at a gate until opened; counts how many wait at once. */
function gatedBackend(dir: string): { backend: InstrumentedBackend; waiting: () => number; most: () => number; open: () => void } {
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  let waiting = 0;
  let most = 0;
  let opened = false;
  const gates: (() => void)[] = [];
  backend.beforePut = () => {
    if (opened) return;
    waiting++;
    most = Math.max(most, waiting);
    return new Promise<void>((resolve) =>
      gates.push(() => {
        waiting--;
        resolve();
      }),
    );
  };
  return {
    backend,
    waiting: () => waiting,
    most: () => most,
    open: () => {
      opened = true;
      for (const gate of gates.splice(0)) gate();
    },
  };
}

describe("upload window", () => {
  test("pieces are read and sealed ahead while earlier ones wait for the store, at most the sealed buffers there are", async () => {
    const dir = tempDir();
    const gated = gatedBackend(dir);
    const { client } = await startClient({ dir, backend: gated.backend, piecesInFlight: WIDTH });
    // Should an assertion fail, held puts must not keep the client from stopping.
    onTestFinished(() => gated.open());
    const { path, bytes } = writeRandomFile(dir, "f.bin", PIECES * SMALL_PIECES.pieceSize - 100);
    const job = client.share({ path });
    // More puts than the window wait at once: the window did not wait for them.
    await vi.waitFor(() => expect(gated.waiting()).toBe(WAITING), { timeout: 5_000 });
    // And no more than the bound, however long the store takes.
    await sleep(200);
    expect(gated.waiting()).toBe(WAITING);
    gated.open();
    const { reference } = await job.done;
    expect(gated.most()).toBe(WAITING);
    expect(gated.backend.puts).toBe(PIECES);
    const out = join(dir, "out.bin");
    await client.fetch(reference, { out }).done;
    expect(fileSha256(out)).toBe(sha256Hex(bytes));
  });

  test("progress counts pieces as they are stored, up to every piece", async () => {
    const dir = tempDir();
    const gated = gatedBackend(dir);
    const { client } = await startClient({ dir, backend: gated.backend, piecesInFlight: WIDTH });
    // Should an assertion fail, held puts must not keep the client from stopping.
    onTestFinished(() => gated.open());
    const { path } = writeRandomFile(dir, "f.bin", PIECES * SMALL_PIECES.pieceSize);
    const job = client.share({ path });
    const seen: number[] = [];
    job.on("progress", (p: { piecesDone: number }) => seen.push(p.piecesDone));
    await vi.waitFor(() => expect(gated.waiting()).toBe(WAITING), { timeout: 5_000 });
    // Sealed, not stored: nothing counted yet.
    expect(seen).toEqual([]);
    gated.open();
    await job.done;
    expect(seen).toEqual(Array.from({ length: PIECES }, (_, i) => i + 1));
  });

  test("a store that fails is the upload's error, reported once every other store has settled", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const gates: (() => void)[] = [];
    let calls = 0;
    let settledBeforeFailure = true;
    backend.beforePut = () => {
      calls++;
      if (calls === 3) throw new StorageError("E_BACKEND_REJECTED", "piece refused (test)");
      return new Promise<void>((resolve) => gates.push(resolve));
    };
    const { client } = await startClient({ dir, backend, piecesInFlight: WIDTH });
    onTestFinished(() => {
      for (const gate of gates.splice(0)) gate();
    });
    const { path } = writeRandomFile(dir, "f.bin", PIECES * SMALL_PIECES.pieceSize);
    const job = client.share({ path });
    let ended = false;
    const outcome = job.done.then(
      () => "stored",
      (error: unknown) => {
        ended = true;
        settledBeforeFailure = gates.length === 0;
        return (error as StorageError).code;
      },
    );
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    // The other puts are still held: the upload must not end before they settle.
    await sleep(100);
    expect(ended).toBe(false);
    for (const gate of gates.splice(0)) gate();
    expect(await outcome).toBe("E_BACKEND_REJECTED");
    expect(settledBeforeFailure).toBe(true);
    // Nothing was started after the failure aborted the window.
    expect(calls).toBeLessThanOrEqual(WAITING + 1);
  });
});
