import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { StorageClient } from "../../../src/storage/index.js";
import { localStore, startClient } from "./client-fixture.js";
import { InstrumentedBackend, unreachable } from "./instrumented-backend.js";

/**
 * What a build before c88d0f6 left of a share of bytes the app was killed before spooling: the
 * journal row, reading a spool file that was never written, failed E_SOURCE_MISSING by the next
 * start (this build leaves the same when the cache did not hold those bytes at that start). Made
 * here from a share whose upload failed, its spool file, cache entry and source identity removed.
 * Gives the share's job id.
 */
export async function failedLostSpool(dir: string, bytes: Buffer): Promise<string> {
  const down = new InstrumentedBackend(localStore(join(dir, "store")));
  down.beforePut = () => {
    throw unreachable("the node");
  };
  const { client, statePath } = await startClient({ dir, backend: down, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const job = client.share({ bytes, fileName: "photo.jpg" });
  await job.done.catch(() => undefined);
  await client.stop();
  const db = new Database(statePath);
  try {
    const { source_path: spool } = db.prepare(`SELECT source_path FROM upload_jobs WHERE id = ?`).get(job.id) as { source_path: string };
    db.prepare(`DELETE FROM cache_entries WHERE path = ?`).run(spool);
    db.prepare(`DELETE FROM settings WHERE key IN (?, ?)`).run(`upload-source:${job.id}`, `upload-source-ctime:${job.id}`);
    db.prepare(`UPDATE upload_jobs SET last_error = ? WHERE id = ?`).run(`E_SOURCE_MISSING: the source file ${spool} of upload ${job.id} is gone`, job.id);
    rmSync(spool);
  } finally {
    db.close();
  }
  return job.id;
}

/** The same bytes received since (shared from a file, then fetched): the cache holds them as a received file. */
export async function receiveIntoCache(client: StorageClient, dir: string, bytes: Buffer): Promise<void> {
  const original = join(dir, "received.jpg");
  writeFileSync(original, bytes);
  const shared = await client.share({ path: original }).done;
  await client.fetch(shared.reference).done;
}
