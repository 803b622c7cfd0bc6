import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 3600 * 1000;
const refused = (): StorageError => new StorageError("E_BACKEND_REJECTED", "refused (test)");

/**
 * One client's journal with a job of every kind of ending, all ended at `start`:
 * a referenced upload and its download (done), a released upload, a failed spooled share, a
 * cancelled upload and a failed download.
 */
async function journalOfEndedJobs() {
  const dir = tempDir("scc-retention-");
  const clock = { t: Date.UTC(2026, 0, 1) };
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const options = { dir, backend, clock: { now: () => clock.t } };
  const { client, statePath, dataDir } = await startClient(options);

  const kept = writeRandomFile(dir, "kept.bin", 100 * KiB);
  const keptShare = await client.share({ path: kept.path }).done;
  await client.fetch(keptShare.reference, { out: join(dir, "kept.out") }).done;
  const released = await client.share({ path: writeRandomFile(dir, "released.bin", 100 * KiB).path }).done;
  client.release(released.reference);

  backend.beforePut = () => {
    throw refused();
  };
  const failedShare = client.share({ bytes: randomBytes(100 * KiB), fileName: "failed.bin" });
  await expect(failedShare.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
  const cancelled = client.share({ path: writeRandomFile(dir, "cancelled.bin", 100 * KiB).path });
  cancelled.cancel();
  await expect(cancelled.done).rejects.toMatchObject({ code: "E_ABORTED" });
  backend.beforePut = undefined;

  backend.beforeGet = () => {
    throw refused();
  };
  const failedFetch = client.fetch(released.reference, { out: join(dir, "failed.out") });
  await expect(failedFetch.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
  backend.beforeGet = undefined;
  await client.stop();

  const start = clock.t;
  const reopen = (overrides: Partial<StorageClientOptions> = {}) => startClient({ ...options, statePath, dataDir, ...overrides });
  return { dir, clock, start, statePath, reopen, kept, keptShare, released, failedShare, failedFetch, cancelled };
}

function readOnly<T>(statePath: string, read: (db: Database.Database) => T): T {
  const db = new Database(statePath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

interface RowCounts {
  uploadJobs: number;
  uploadPieces: number;
  downloadJobs: number;
  downloadPieces: number;
  availability: number;
  pinnedSpool: number;
}

function countRows(statePath: string): RowCounts {
  return readOnly(statePath, (db) => {
    const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
    return {
      uploadJobs: count(`SELECT count(*) FROM upload_jobs`),
      uploadPieces: count(`SELECT count(*) FROM upload_pieces`),
      downloadJobs: count(`SELECT count(*) FROM download_jobs`),
      downloadPieces: count(`SELECT count(*) FROM download_pieces`),
      availability: count(`SELECT count(*) FROM availability`),
      pinnedSpool: count(`SELECT count(*) FROM cache_entries WHERE pinned = 1`),
    };
  });
}

describe("ended jobs are forgotten after keepEndedJobsMs", () => {
  test("at start, jobs ended over 30 days ago go (their keys, pieces, temp files and spool pins with them); a done upload a message still refers to stays and is renewed", async () => {
    const j = await journalOfEndedJobs();
    const before = countRows(j.statePath);
    expect(before).toMatchObject({ uploadJobs: 4, downloadJobs: 2, pinnedSpool: 1 });

    // Not yet: 29 days later every job is still there, retriable or listed.
    j.clock.t = j.start + 29 * DAY;
    const young = await j.reopen();
    expect(young.client.jobs()).toHaveLength(6);
    await young.client.stop();
    expect(countRows(j.statePath)).toEqual(before);

    // A crash left the failed download's temp file behind: it goes with the row.
    const tempPath = readOnly(j.statePath, (db) => db.prepare(`SELECT temp_path FROM download_jobs WHERE id = ?`).pluck().get(j.failedFetch.id) as string);
    writeFileSync(tempPath, "left by a crash");

    j.clock.t = j.start + 31 * DAY;
    const old = await j.reopen();
    expect(old.client.jobs().map((job) => job.id)).toEqual([j.keptShare.jobId]);
    expect(countRows(j.statePath)).toEqual({
      uploadJobs: 1,
      uploadPieces: before.uploadPieces / 2,
      downloadJobs: 0,
      downloadPieces: 0,
      availability: before.availability / 2,
      pinnedSpool: 0,
    });
    expect(existsSync(tempPath)).toBe(false);
    expect(() => old.client.retry(j.failedShare.id)).toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
    expect(existsSync(join(j.dir, "kept.out"))).toBe(true);

    // The referenced upload's pieces are past Codex's TTL: they are sealed again from its row.
    const report = await old.client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(countRows(j.statePath).uploadPieces);
  });

  test("the renewal check forgets them too, without a restart", async () => {
    const j = await journalOfEndedJobs();
    j.clock.t = j.start + 31 * DAY;
    const { client } = await j.reopen({ keepEndedJobsMs: Infinity, renewEveryMs: 0 });
    expect(client.jobs()).toHaveLength(6);
    await client.stop();

    const ticking = await j.reopen({ keepEndedJobsMs: 40 * DAY, renewEveryMs: 20 });
    expect(ticking.client.jobs()).toHaveLength(6);
    j.clock.t = j.start + 41 * DAY;
    await vi.waitFor(() => expect(ticking.client.jobs().map((job) => job.id)).toEqual([j.keptShare.jobId]), { timeout: 5_000, interval: 20 });
  });

  test.each([-1, Number.NaN])("keepEndedJobsMs %s is refused before the state is opened", async (keepEndedJobsMs) => {
    const dir = tempDir("scc-retention-bad-");
    const open = StorageClient.open({
      protocol: 3,
      backend: localStore(join(dir, "store")),
      statePath: join(dir, "state.sqlite"),
      dataDir: join(dir, "data"),
      retry: FAST_RETRY,
      ...SMALL_PIECES,
      keepEndedJobsMs,
    });
    await expect(open).rejects.toThrow(/keepEndedJobsMs must be 0 or more/);
    expect(existsSync(join(dir, "state.sqlite"))).toBe(false);
  });
});
