/**
 * A download's last step after renaming the verified file onto its destination is to sync the
 * folder, so the rename survives a power cut. When that sync could not run for a passing cause (too
 * many files open: a phone running many transfers), the download failed and its failure forgot
 * every verified piece: the file sat complete at its destination while the job said failed, and a
 * retry fetched the whole file again. The folder's open fails with the OS's EMFILE through a
 * pass-through wrapper of node:fs/promises' open (every other call goes to the real one).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { DownloadJournal } from "../../src/storage/journal/download-journal.js";
import { StorageError, type FetchResult, type TransferJob } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Opens of this folder fail with EMFILE while it is set (once a piece is journaled: the new temp file's own folder sync comes first and passes). */
const fault = vi.hoisted(() => ({ path: "", refused: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => (await import("./support/fs-faults.js")).failingFsPromises(await importOriginal(), "open", "EMFILE", fault));

describe("a download whose folder cannot be synced after the rename", () => {
  test("too many files open (EMFILE): the job fails saying the file is in place, and retry() finishes it without fetching again", async () => {
    const dir = tempDir("scc-folder-sync-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend });
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 100 * KiB);
    const { view } = await client.share({ path }).done;
    const outDir = join(dir, "received");
    const out = join(outDir, "photo.jpg");
    mkdirSync(outDir);
    fault.refused = 0;
    const recordPieces = DownloadJournal.prototype.recordPieces;
    const armed = vi.spyOn(DownloadJournal.prototype, "recordPieces").mockImplementation(function (this: DownloadJournal, ...args) {
      fault.path = outDir;
      recordPieces.apply(this, args);
    });
    let job: TransferJob<FetchResult> | undefined;
    let error: unknown;
    try {
      job = client.fetch(view, { out });
      error = await job.done.then(() => undefined, (e: unknown) => e);
    } finally {
      fault.path = "";
      armed.mockRestore();
    }
    expect(fault.refused).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).details).toMatchObject({ code: "EMFILE" });
    expect(readFileSync(out).equals(bytes)).toBe(true);
    const gets = backend.gets;
    const result = await (client.retry((job as TransferJob<FetchResult>).id) as TransferJob<FetchResult>).done;
    expect(result).toMatchObject({ path: out, size: bytes.byteLength });
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(backend.gets - gets, "pieces fetched by the retry").toBe(0);
  });
});
