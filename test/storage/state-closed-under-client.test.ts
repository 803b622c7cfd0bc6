/**
 * A job whose turn comes when its journal cannot be read (here: the application closed the state
 * it passed in before stopping the client; a failing disk does the same): the queue's run rejected
 * with nobody to hear it, an unhandled rejection that ends a Node process by default, and the
 * job's handle never settled (its share() seemed to hang until stop()).
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { openState } from "../../src/state/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { FAST_RETRY, SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

describe("a queued job whose journal cannot be read when its turn comes", () => {
  test("its handle rejects with a typed error; no rejection goes unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    onTestFinished(() => void process.off("unhandledRejection", onUnhandled));
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let arrive!: () => void;
    const firstPut = new Promise<void>((resolve) => (arrive = resolve));
    let puts = 0;
    backend.beforePut = () => (++puts === 1 ? firstPut : undefined);
    const state = await openState({ path: join(dir, "state.sqlite"), level: 3 });
    const client = await StorageClient.open({ protocol: 3, backend, state, dataDir: join(dir, "data"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, jobsInFlight: 1 });
    onTestFinished(() => client.stop());
    const running = client.share({ path: writeRandomFile(dir, "a.bin", 3 * SMALL_PIECES.pieceSize).path });
    const waiting = client.share({ path: writeRandomFile(dir, "b.bin", 3 * SMALL_PIECES.pieceSize).path });
    await vi.waitFor(() => expect(puts).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    state.close();
    arrive();
    await running.done.catch(() => undefined);
    const outcome = await Promise.race([
      waiting.done.then(
        () => "done",
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve("still pending"), 3_000)),
    ]);
    expect(outcome).toBeInstanceOf(StorageError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled.map(String)).toEqual([]);
  });
});
