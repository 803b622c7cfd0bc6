/**
 * A finished download renames its verified temp file onto the destination. When that rename is
 * refused for a passing cause (the destination busy: open in a viewer or scanned by an antivirus on
 * Windows, EBUSY), the failure removed the temp file and forgot every verified piece, so retry()
 * fetched the whole file again. The rename fails with the OS's EBUSY through a pass-through wrapper
 * of node:fs/promises' rename (every other call goes to the real one).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageError, type FetchResult, type TransferJob } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Renames onto this path fail with EBUSY while it is set. */
const fault = vi.hoisted(() => ({ path: "", refused: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => (await import("./support/fs-faults.js")).failingFsPromises(await importOriginal(), "rename", "EBUSY", fault));

describe("a download whose rename onto its destination is refused for a passing cause", () => {
  test("the destination busy (EBUSY): the job fails saying so, the temp file and its pieces are kept, and retry() finishes without fetching again", async () => {
    const dir = tempDir("scc-rename-busy-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend });
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 100 * KiB);
    const { view } = await client.share({ path }).done;
    mkdirSync(join(dir, "received"));
    const out = join(dir, "received", "photo.jpg");
    // An older copy the user has open.
    writeFileSync(out, "the copy open in a viewer");
    const gets = backend.gets;
    let job = client.fetch(view, { out }) as TransferJob<FetchResult>;
    fault.path = out;
    fault.refused = 0;
    let error: unknown;
    try {
      error = await job.done.then(() => undefined, (e: unknown) => e);
    } finally {
      fault.path = "";
    }
    expect(fault.refused).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).message).toContain(out);
    expect((error as StorageError).details).toMatchObject({ code: "EBUSY" });
    expect(readFileSync(out, "utf8")).toBe("the copy open in a viewer");
    job = client.retry(job.id) as TransferJob<FetchResult>;
    const result = await job.done;
    expect(result).toMatchObject({ path: out, size: bytes.byteLength });
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(backend.gets - gets, "pieces fetched in all").toBe(view.pieces.length);
  });
});
