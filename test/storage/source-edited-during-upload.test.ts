/**
 * A file edited in place while its first upload runs (the same size: an app saving over it) must
 * not be shared as a mix of both versions: the pieces read before the edit hold the old bytes, those
 * after it the new ones, and the reference (whose sha256 is of what was read) would hand every
 * receiver a file that never existed on the sender's disk.
 */
import { openSync, writeSync, closeSync, utimesSync } from "node:fs";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { Sha256Offload } from "../../src/crypto/index.js";
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { join } from "node:path";
import { tempDir } from "../support/temp-dir.js";

describe("a source edited during its first upload", () => {
  test("is refused with E_SOURCE_CHANGED, never shared as a mix of the two versions", async () => {
    const dir = tempDir("scc-edit-during-");
    const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
    // One piece at a time, each put held 20 ms: the edit lands after the first pieces were read.
    backend.beforePut = () => new Promise((r) => setTimeout(r, 20));
    const { client } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
    const { path } = writeRandomFile(dir, "doc.bin", 320 * KiB);
    const job = client.share({ path });
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 1 && resolve()));
    // The app saves over the end of the file in place: same size.
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(32 * KiB, 7), 0, 32 * KiB, 288 * KiB);
    closeSync(fd);
    // A coarse-clock file system could leave mtime as it was; make sure it moved, as a real save does.
    utimesSync(path, new Date(), new Date(Date.now() + 2000));
    const outcome = await job.done.then(
      () => "shared",
      (error: { code?: string }) => error.code,
    );
    expect(outcome).toBe("E_SOURCE_CHANGED");
    await backend.close();
  });
});

const originalRunning = Sha256Offload.prototype.running;

describe("an upload refused at its end for a source edited meanwhile", () => {
  test("gives its whole-file hash back to the hashing worker (digest or dispose): one was left there for as long as the worker lived, per failed upload", async () => {
    // Every running hash made from here on, and whether it was finished.
    const made: { finished: boolean }[] = [];
    const running = vi.spyOn(Sha256Offload.prototype, "running").mockImplementation(function (this: Sha256Offload, expectedBytes: number) {
      const hash = originalRunning.call(this, expectedBytes);
      const entry = { finished: false };
      made.push(entry);
      const finish = <T>(then: () => T): T => {
        entry.finished = true;
        return then();
      };
      return { update: (bytes) => hash.update(bytes), digest: () => finish(() => hash.digest()), dispose: () => finish(() => hash.dispose()) };
    });
    onTestFinished(() => running.mockRestore());
    const dir = tempDir("scc-edit-during-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    backend.beforePut = () => new Promise((r) => setTimeout(r, 5));
    const { client } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
    // Large enough for the whole-file hash to run on the worker.
    const { path } = writeRandomFile(dir, "video.bin", 2048 * KiB);
    const job = client.share({ path });
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 1 && resolve()));
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(32 * KiB, 7), 0, 32 * KiB, 2016 * KiB);
    closeSync(fd);
    utimesSync(path, new Date(), new Date(Date.now() + 2000));
    await expect(job.done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
    await client.stop();
    expect(made.length).toBeGreaterThan(0);
    expect(made.filter((h) => !h.finished)).toEqual([]);
  });
});
