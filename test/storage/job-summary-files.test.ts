/**
 * docs/storage.md, "After the app was killed": after a restart an application lists the journal
 * with jobs() and shows its user which file each transfer is. The summary had id, kind, state,
 * attempts, lastError and times only, so an app had to keep a table of its own beside the journal,
 * which already holds the paths and the file's name. Now each summary carries `fileName` (the name
 * the reference carries) and `path` (the application's file: the upload's source, the download's
 * `out`), null when the file is one the client keeps itself (a share of bytes, spooled; a download
 * into the cache).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("jobs() says which file each job is, after a restart too", () => {
  test("a share by path and a fetch to an out name those files; a share of bytes and a fetch into the cache name none; each gives the reference's file name", async () => {
    const first = await startClient();
    const { dir, statePath, dataDir } = first;
    const { path: photo } = writeRandomFile(dir, "holiday.jpg", 40 * KiB);
    const byPath = await first.client.share({ path: photo }).done;
    const byBytes = await first.client.share({ bytes: new Uint8Array(20 * KiB).fill(7), fileName: "voice.ogg", mime: "audio/ogg" }).done;
    const out = join(dir, "copy.jpg");
    const toOut = first.client.fetch(byPath.reference, { out });
    await toOut.done;
    // Into the cache, of a file this client does not hold there already (a fetch of the shared bytes is answered from their spooled copy, with no job).
    const { path: scan } = writeRandomFile(dir, "scan.pdf", 30 * KiB);
    const intoCache = first.client.fetch((await first.client.share({ path: scan }).done).reference);
    await intoCache.done;
    await first.client.stop();

    // The next start of the app, on the same journal: nothing but the journal to go by.
    const again = await startClient({ dir, statePath, dataDir, backend: first.backend });
    const byId = new Map(again.client.jobs().map((job) => [job.id, job]));
    expect(byId.get(byPath.jobId)).toMatchObject({ kind: "upload", path: photo, fileName: "holiday.jpg" });
    expect(byId.get(byBytes.jobId)).toMatchObject({ kind: "upload", path: null, fileName: "voice.ogg" });
    expect(byId.get(toOut.id)).toMatchObject({ kind: "download", path: out, fileName: "holiday.jpg" });
    expect(byId.get(intoCache.id)).toMatchObject({ kind: "download", path: null, fileName: "scan.pdf" });
  });
});
