/**
 * cancel() and retry() when the journal refuses the write (a full disk makes SQLite do so; here a
 * trigger on the real state database): they threw the raw SqliteError where share() and fetch() give
 * E_LOCAL_IO, and a cancel of a job waiting its turn had already taken it out of the queue: it never
 * ran in that session and its handle stayed pending until stop(). Now the typed error is thrown and
 * nothing changed: the job waits its turn as before.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import type { ShareResult } from "../../src/storage/index.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

/** Makes the journal refuse every change of an upload's row until the returned function is called. */
function refuseJobUpdates(statePath: string): () => void {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_job_updates BEFORE UPDATE ON upload_jobs BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  let allowed = false;
  const allow = (): void => {
    if (allowed) return;
    allowed = true;
    db.exec(`DROP TRIGGER refuse_job_updates`);
    db.close();
  };
  onTestFinished(allow);
  return allow;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("a journal that refuses a job's move", () => {
  test("retry() of a failed upload throws E_LOCAL_IO and changes nothing; once the journal takes writes it runs", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let refuse = true;
    backend.beforePut = () => {
      if (refuse) throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const { client, statePath } = await startClient({ dir, backend, retry: { maxAttempts: 1 } });
    const job = client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    refuse = false;
    const allow = refuseJobUpdates(statePath);
    const error = thrownBy(() => client.retry(job.id));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("failed");
    allow();
    await expect(client.retry(job.id).done).resolves.toMatchObject({ jobId: job.id });
  });

  test("cancel() of an upload waiting its turn throws E_LOCAL_IO and leaves it queued: it still runs", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let arrive!: () => void;
    const firstPuts = new Promise<void>((resolve) => (arrive = resolve));
    let puts = 0;
    backend.beforePut = async () => {
      puts++;
      await firstPuts;
    };
    const { client, statePath } = await startClient({ dir, backend, jobsInFlight: 1 });
    // Before the client stops (callbacks run last registered first): the held puts must not keep it from stopping.
    onTestFinished(() => arrive());
    const running = client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path });
    const waiting = client.share({ path: writeRandomFile(dir, "b.bin", 100 * KiB).path });
    await vi.waitFor(() => expect(puts).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    const allow = refuseJobUpdates(statePath);
    const error = thrownBy(() => client.cancel(waiting.id));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    allow();
    arrive();
    await running.done;
    const outcome = await Promise.race([
      waiting.done.then((result: ShareResult) => result.jobId),
      new Promise((resolve) => setTimeout(() => resolve("never ran"), 5_000)),
    ]);
    expect(outcome).toBe(waiting.id);
  });
});
