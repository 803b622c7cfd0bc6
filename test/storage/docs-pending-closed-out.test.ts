/**
 * docs/storage.md: `pendingUploadOf(path)` / `pendingDownloadTo(path)` give "the unfinished job for
 * that file, to wait for it instead of starting another". A job whose backend was closed under the
 * running client is failed E_CLIENT_CLOSED until then, and the client's next start resumes it (as
 * the CLI's own lookup, pendingUploadsOf, counts it). The client's lookups left it out: an
 * application asking before it sent the file again started a second upload beside it, and the next
 * start finished the first one too (an orphan upload, renewed for good); a second download of the
 * same file went to the same destination beside the one the next start resumes.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";

describe("a job whose backend was closed under the running client is still the file's unfinished job", () => {
  test("pendingUploadOf gives the failed upload the next start resumes, not undefined", async () => {
    const dir = tempDir("scc-pending-closed-");
    const store = new InstrumentedBackend(localStore(join(dir, "store")));
    const client = await StorageClient.open(reopenable(dir, store));
    try {
      const { path } = writeRandomFile(dir, "photo.jpg", 2 * SMALL_PIECES.pieceSize);
      await store.close();
      const job = client.share({ path });
      await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      const pending = client.pendingUploadOf(path);
      expect(pending?.id).toBe(job.id);
      await expect(pending?.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    } finally {
      await client.stop();
    }
  });

  test("pendingDownloadTo gives the failed download the next start resumes, not undefined", async () => {
    const dir = tempDir("scc-pending-closed-");
    const store = new InstrumentedBackend(localStore(join(dir, "store")));
    const client = await StorageClient.open(reopenable(dir, store));
    try {
      const { path } = writeRandomFile(dir, "photo.jpg", 2 * SMALL_PIECES.pieceSize);
      const { reference } = await client.share({ path }).done;
      await store.close();
      const out = join(dir, "copy.jpg");
      const job = client.fetch(reference, { out });
      await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      expect(client.pendingDownloadTo(out)?.id).toBe(job.id);
    } finally {
      await client.stop();
    }
  });
});
