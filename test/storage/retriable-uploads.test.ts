/**
 * retriableUploadsOf: the failed uploads of a file that a retry() runs from their stored pieces,
 * newest first, read from the journal before a client starts (the CLI's `file put` run again
 * retries one instead of sharing the file anew). One that failed because the file changed under it
 * is not among them: a retry refuses to seal it again.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { retriableUploadsOf, StorageError } from "../../src/storage/index.js";
import { FAST_RETRY, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

describe("failed uploads a retry would run again", () => {
  test("lists those that failed in an outage, newest first, for their file only; not one whose file changed", async () => {
    const setup = await startClient();
    const backend = new InstrumentedBackend(setup.backend);
    const { client, dir, statePath } = await startClient({ dir: setup.dir, statePath: join(setup.dir, "other.sqlite"), dataDir: join(setup.dir, "other-data"), backend, retry: { ...FAST_RETRY, maxAttempts: 1 } });
    const video = writeRandomFile(dir, "video.mp4", 100_000);
    const photo = writeRandomFile(dir, "photo.jpg", 100_000);
    backend.beforePut = () => {
      throw unreachable("the node");
    };
    const fail = async (path: string): Promise<string> => {
      const job = client.share({ path });
      expect(((await job.done.catch((e: unknown) => e)) as StorageError).code).toBe("E_BACKEND_UNREACHABLE");
      return job.id;
    };
    const older = await fail(video.path);
    const newer = await fail(video.path);
    await fail(photo.path);
    // One whose file changed during its run (it grew): E_SOURCE_CHANGED.
    backend.beforePut = () => appendFileSync(video.path, "more");
    const changed = client.share({ path: video.path });
    expect(((await changed.done.catch((e: unknown) => e)) as StorageError).code).toBe("E_SOURCE_CHANGED");
    await client.stop();
    const db = new Database(statePath, { readonly: true });
    try {
      expect(retriableUploadsOf(db, video.path).map((u) => u.id)).toEqual([newer, older]);
      expect(retriableUploadsOf(db, join(dir, "missing.mp4"))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
