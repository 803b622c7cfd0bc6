/**
 * An upload whose window fails (the file got shorter while it was read, a read error) cannot end
 * done, but the pieces it had handed to the store went on being sent: the job's failure came only
 * once each of them had been stored (minutes of mobile data for a video on a slow link, or up to
 * the job's deadline for a store retrying), the handle saying uploading meanwhile.
 */
import { truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { abortedError } from "../../src/storage/abort-error.js";
import type { PutOptions, StorageBackend } from "../../src/storage/backend.js";
import { SMALL_PIECES, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { tempDir } from "../support/temp-dir.js";

/** A store on a link that stalls: each put waits until released, or until its signal fires. */
class StallingStore extends ForwardingBackend {
  puts = 0;
  aborted = 0;
  private readonly waiting = new Set<() => void>();
  constructor(inner: StorageBackend) {
    super(inner, { kind: "codex", location: "stalling (test)" });
  }

  release(): void {
    for (const go of this.waiting) go();
    this.waiting.clear();
  }

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<string> {
    this.puts++;
    await new Promise<void>((resolve, reject) => {
      const go = (): void => resolve();
      this.waiting.add(go);
      options.signal?.addEventListener("abort", () => {
        this.waiting.delete(go);
        this.aborted++;
        reject(abortedError(options.signal?.reason, "put (test)"));
      });
    });
    return this.inner.put(body, options);
  }

  /** The inner store is the test's to close. */
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

describe("an upload whose window fails while pieces wait for the store", () => {
  test("fails at once with the window's error, and the pieces on their way are stopped", async () => {
    const dir = tempDir();
    const store = new StallingStore(localStore(join(dir, "store")));
    onTestFinished(() => store.release());
    const { client } = await startClient({ dir, backend: store, piecesInFlight: 2 });
    const { path } = writeRandomFile(dir, "video.mp4", 10 * SMALL_PIECES.pieceSize);
    const job = client.share({ path });
    // Every sealed buffer is with the store: the window waits for one to come back.
    await vi.waitFor(() => expect(store.puts).toBe(3), { timeout: 5_000 });
    // The file is cut short (an app rewriting it): the next piece read comes up short.
    truncateSync(path, 4 * SMALL_PIECES.pieceSize);
    // One store comes back, so the window reads on and finds it.
    const onePut = [...(store as unknown as { waiting: Set<() => void> }).waiting][0] as () => void;
    (store as unknown as { waiting: Set<() => void> }).waiting.delete(onePut);
    onePut();
    const outcome = await Promise.race([
      job.done.then(
        () => "done",
        (error: { code?: string }) => error.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve("still waiting for the store"), 3_000)),
    ]);
    expect(outcome).toBe("E_SOURCE_CHANGED");
    expect(store.aborted).toBeGreaterThanOrEqual(1);
  });
});
