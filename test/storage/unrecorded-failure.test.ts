/**
 * A run that fails while the journal refuses writes (a full disk: SQLite refuses the `failed` row)
 * rejects its handle with its own cause and leaves the row `uploading`, to run again on the next
 * start (docs/storage.md). For the rest of the session that row described no run at all: job(id)
 * gave a handle that said uploading and never settled, jobs() listed it uploading, and once the user had freed space, retry()
 * threw E_UNSUPPORTED ("upload job … is uploading; it cannot become queued"), so the job could not be
 * run again without restarting the app.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

/** Makes the journal refuse to record an upload's failure (or cancel) until the returned function is called. */
function refuseFailedRows(statePath: string, state: "failed" | "cancelled" = "failed"): () => void {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_failed BEFORE UPDATE OF state ON upload_jobs WHEN NEW.state = '${state}' BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  let allowed = false;
  const allow = (): void => {
    if (allowed) return;
    allowed = true;
    db.exec(`DROP TRIGGER refuse_failed`);
    db.close();
  };
  onTestFinished(allow);
  return allow;
}

describe("a failure the journal could not record", () => {
  test("job(id) settles with it, and retry() runs the job again once the journal takes writes", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let refuse = true;
    backend.beforePut = () => {
      if (refuse) throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const { client, statePath } = await startClient({ dir, backend, retry: { maxAttempts: 1 } });
    const allow = refuseFailedRows(statePath);
    const job = client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    // The row still says it runs (the next start resumes it); the session's list says how it ended.
    const db = new Database(statePath, { readonly: true });
    expect(db.prepare(`SELECT state FROM upload_jobs WHERE id = ?`).pluck().get(job.id)).toBe("uploading");
    db.close();
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "failed", lastError: "E_BACKEND_REJECTED: refused (test)" });

    const again = client.job(job.id);
    const settled = await Promise.race([again.done.then(() => "resolved", (e: { code: string }) => e.code), new Promise((r) => setTimeout(() => r("pending after 2 s"), 2_000))]);
    expect(settled).toBe("E_BACKEND_REJECTED");
    expect(again.state).toBe("failed");

    // The user freed some space, and the store takes the file now.
    allow();
    refuse = false;
    await expect(client.retry(job.id).done).resolves.toMatchObject({ jobId: job.id });
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("done");
  });

  test("a cancel it could not record: job(id) settles E_ABORTED, retry() is refused as for any cancelled job, and cancel() records it later", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let arrive!: () => void;
    const held = new Promise<void>((resolve) => (arrive = resolve));
    backend.beforePut = () => held;
    const { client, statePath } = await startClient({ dir, backend });
    const allow = refuseFailedRows(statePath, "cancelled");
    const job = client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path });
    await vi.waitFor(() => expect(backend.puts).toBeGreaterThan(0));
    client.cancel(job.id);
    arrive();
    await expect(job.done).rejects.toMatchObject({ code: "E_ABORTED" });

    const again = client.job(job.id);
    const settled = await Promise.race([again.done.then(() => "resolved", (e: { code: string }) => e.code), new Promise((r) => setTimeout(() => r("pending after 2 s"), 2_000))]);
    expect(settled).toBe("E_ABORTED");
    expect(again.state).toBe("cancelled");
    expect(() => client.retry(job.id)).toThrow(expect.objectContaining({ code: "E_UNSUPPORTED" }));
    allow();
    client.cancel(job.id);
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("cancelled");
  });
});
