/**
 * An unfinished upload whose journal row holds stream parameters of a shape this release cannot use
 * (a content key or nonce prefix of another length, a chunk size past the cap: a corrupt row, or one
 * another release wrote) fails at its next run with E_UNSUPPORTED naming the parameter, before the run
 * settles anything. Before its first run records the source (no identity recorded: lost commits, or a
 * queued job), that run would otherwise replace the key with a fresh one and upload as if the row
 * were sound: the check of the row's shape comes before checkResumable, the key's import after it.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, StorageError, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A share of a 320 KiB file stopped after 2 of its 10 pieces; its options and job id. */
async function interruptedUpload(): Promise<{ options: StorageClientOptions; id: string }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.beforePut = () => new Promise((r) => setTimeout(r, 10));
  const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
  const { path } = writeRandomFile(dir, "f.bin", 320 * KiB);
  const first = await StorageClient.open(options);
  const job = first.share({ path });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 2 && resolve()));
  await first.stop();
  return { options, id: job.id };
}

const DAMAGE = [
  ["a 16-byte content key", "UPDATE upload_jobs SET enc_key = randomblob(16) WHERE id = ?", "the content key must be 32 bytes"],
  ["a 12-byte nonce prefix", "UPDATE upload_jobs SET nonce_prefix = randomblob(12) WHERE id = ?", "the nonce prefix must be 7 bytes"],
  ["an 8 MiB chunk size (past the 4 MiB cap)", "UPDATE upload_jobs SET chunk_size = 8388608, piece_size = 8388608 WHERE id = ?", "the chunk size must be between 1 and 4194304 bytes, not 8388608"],
] as const;

describe("an unfinished upload whose journaled stream parameters this release cannot use", () => {
  test.each(DAMAGE.flatMap(([what, sql, message]) => [
    [what, "resumed (its source recorded)", sql, message, false],
    [what, "before its first run recorded the source", sql, message, true],
  ] as const))("%s, %s: E_UNSUPPORTED naming it, the row's key kept, nothing recorded", async (_, __, sql, message, firstRun) => {
    const { options, id } = await interruptedUpload();
    const db = new Database(options.statePath as string);
    db.prepare(sql).run(id);
    if (firstRun) db.prepare("DELETE FROM settings WHERE key = ?").run(`upload-source:${id}`);
    const damaged = db.prepare("SELECT enc_key, nonce_prefix FROM upload_jobs WHERE id = ?").get(id) as { enc_key: Buffer; nonce_prefix: Buffer };
    db.close();

    const again = await StorageClient.open(options);
    try {
      const error = await again.job(id).done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe("E_UNSUPPORTED");
      expect((error as StorageError).message).toContain(message);
      expect(again.jobs().find((j) => j.id === id)).toMatchObject({ state: "failed" });
    } finally {
      await again.stop();
    }
    const after = new Database(options.statePath as string, { readonly: true });
    try {
      const row = after.prepare("SELECT enc_key, nonce_prefix FROM upload_jobs WHERE id = ?").get(id) as { enc_key: Buffer; nonce_prefix: Buffer };
      // A first run that went on would have replaced both with a fresh key and recorded the source.
      expect(row.enc_key.equals(damaged.enc_key), "the key is the row's, not replaced").toBe(true);
      expect(row.nonce_prefix.equals(damaged.nonce_prefix)).toBe(true);
      const source = after.prepare("SELECT value FROM settings WHERE key = ?").get(`upload-source:${id}`);
      expect(source === undefined, "no source recorded by the failed run").toBe(firstRun);
    } finally {
      after.close();
    }
  });
});
