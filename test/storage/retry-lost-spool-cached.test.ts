import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, bytesKeptIn, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

/**
 * What a build before c88d0f6 left of a share of bytes the app was killed before spooling: the
 * journal row, reading a spool file that was never written, failed E_SOURCE_MISSING by the next
 * start (this build leaves the same when the cache did not hold those bytes at that start). Made
 * here from a share whose upload failed, its spool file, cache entry and source identity removed.
 */
async function failedLostSpool(dir: string, bytes: Buffer): Promise<string> {
  const store = localStore(join(dir, "store"));
  const down = new InstrumentedBackend(store);
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

describe("a share of bytes failed E_SOURCE_MISSING because its spool write was lost (an older build, or a start whose cache lacked the bytes)", () => {
  test("is not revisited by a start (failed is what the application was told), and stays failed E_SOURCE_MISSING", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    // The cache holds those bytes from the start on (a received file): still not revisited on its own.
    const { client } = await startClient({ dir });
    const original = join(dir, "received.jpg");
    writeFileSync(original, bytes);
    const shared = await client.share({ path: original }).done;
    await client.fetch(shared.reference).done;
    await client.stop();
    const again = await startClient({ dir });
    expect(again.client.jobs().find((j) => j.id === id)).toMatchObject({ state: "failed" });
    await expect(again.client.job(id).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
  });

  test("retry() reads the received file of those bytes in the cache, as a start does for one still queued: the upload finishes and its reference gives those bytes", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    const { client, dataDir } = await startClient({ dir });
    // The same content received since (fetched into the cache).
    const original = join(dir, "received.jpg");
    writeFileSync(original, bytes);
    const shared = await client.share({ path: original }).done;
    await client.fetch(shared.reference).done;
    const { reference } = (await client.retry(id).done) as { reference: Uint8Array };
    const out = join(dir, "out.jpg");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    // The received file is the content's one copy, unchanged, counted once.
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
    expect(client.usage().usedBytes).toBe(bytes.byteLength);
  });

  test("retry() without such a file in the cache fails E_SOURCE_MISSING again, as before", async () => {
    const dir = tempDir();
    const id = await failedLostSpool(dir, randomBytes(100 * KiB));
    const { client } = await startClient({ dir });
    await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
  });
});
