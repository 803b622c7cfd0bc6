/**
 * A file edited in place while its first upload runs (the same size: an app saving over it) must
 * not be shared as a mix of both versions: the pieces read before the edit hold the old bytes, those
 * after it the new ones, and the reference (whose sha256 is of what was read) would hand every
 * receiver a file that never existed on the sender's disk.
 */
import { openSync, writeSync, closeSync, utimesSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
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
