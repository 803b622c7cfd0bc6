/**
 * A share of bytes whose spool write fails on a full disk finds the journal refusing writes too
 * (SQLite's "database or disk is full"): its `failed` row is not written and the row stays queued.
 * A run's failure in that case is kept for the session (unrecorded-failure.test.ts), the spool's
 * was not: job(id) gave a handle that said queued and never settled (nothing runs the job), jobs()
 * listed it queued, and pendingUploadOf of its spool file handed out that same handle, so an
 * application waiting on it waited until the app was closed.
 */
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

/** Makes the journal refuse to record an upload's failure until the test ends. */
function refuseFailedRows(statePath: string): void {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_failed BEFORE UPDATE OF state ON upload_jobs WHEN NEW.state = 'failed' BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  onTestFinished(() => {
    db.exec(`DROP TRIGGER refuse_failed`);
    db.close();
  });
}

describe("a spool write that fails while the journal refuses writes", () => {
  test("job(id) settles with the spool's failure and jobs() says failed, though the row still says queued", async () => {
    const { client, statePath, dataDir } = await startClient();
    // The spool folder gone and a file in its place: every spool write fails (E_LOCAL_IO).
    rmSync(join(dataDir, "spool"), { recursive: true });
    writeFileSync(join(dataDir, "spool"), "not a folder");
    refuseFailedRows(statePath);
    const job = client.share({ bytes: randomBytes(64 * KiB), fileName: "voice.ogg" });
    const failure = await job.done.then(
      () => undefined,
      (error: { code?: string }) => error,
    );
    expect(failure?.code).toBe("E_LOCAL_IO");
    const db = new Database(statePath, { readonly: true });
    expect(db.prepare(`SELECT state FROM upload_jobs WHERE id = ?`).pluck().get(job.id)).toBe("queued");
    db.close();
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("failed");
    const again = client.job(job.id);
    const settled = await Promise.race([
      again.done.then(
        () => "resolved",
        (error: { code?: string }) => error.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve("pending after 2 s"), 2_000)),
    ]);
    expect(settled).toBe("E_LOCAL_IO");
  });
});
