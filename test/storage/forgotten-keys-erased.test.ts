/**
 * docs/storage.md (Ended jobs are forgotten; The content key is in the journal): a forgotten job's
 * key leaves the database, and not only its table. With SQLite's defaults a deleted row's bytes stay
 * in the file's free space (secure_delete off) and in the -wal's frames until something happens to
 * overwrite them: anyone with a copy of state.sqlite (a backup, a bug report's attachment) read the
 * content keys of files shared and received long ago. Searched here in the raw bytes of both files.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 3600 * 1000;

interface JobSecrets {
  readonly id: string;
  readonly key: Buffer;
  readonly noncePrefix: Buffer;
}

function secretsOf(statePath: string, ids: readonly string[]): JobSecrets[] {
  const db = new Database(statePath, { readonly: true });
  try {
    const get = db.prepare(`SELECT enc_key, nonce_prefix FROM upload_jobs WHERE id = ?`);
    return ids.map((id) => {
      const row = get.get(id) as { enc_key: Buffer; nonce_prefix: Buffer };
      return { id, key: row.enc_key, noncePrefix: row.nonce_prefix };
    });
  } finally {
    db.close();
  }
}

/** Where, of the database file and its -wal as they are on disk, these bytes are found. */
function foundIn(statePath: string, bytes: Buffer): string[] {
  return [statePath, `${statePath}-wal`].filter((file) => existsSync(file) && readFileSync(file).includes(bytes)).map((file) => file.slice(statePath.length) || "db");
}

describe("a forgotten job's key leaves the state database's bytes", () => {
  test("keys and nonce prefixes of forgotten uploads and downloads are in neither the file nor its -wal, while the client runs and after it stops; a kept job's key still is", async () => {
    const dir = tempDir("scc-forgotten-keys-");
    const clock = { t: Date.UTC(2026, 0, 1) };
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client, statePath } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 0 });

    // 64 pieces: its reference (in the upload's and the download's rows) is larger than a page, so it
    // also goes through overflow pages, which a delete puts on the freelist whole.
    const released = await client.share({ path: writeRandomFile(dir, "released.bin", 2048 * KiB).path }).done;
    await client.fetch(released.reference, { out: join(dir, "released.out") }).done;
    client.release(released.reference);
    const cancelled = client.share({ path: writeRandomFile(dir, "cancelled.bin", 100 * KiB).path });
    cancelled.cancel();
    await expect(cancelled.done).rejects.toMatchObject({ code: "E_ABORTED" });
    backend.beforePut = () => {
      throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const failed = client.share({ path: writeRandomFile(dir, "failed.bin", 100 * KiB).path });
    await expect(failed.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    backend.beforePut = undefined;
    const kept = await client.share({ path: writeRandomFile(dir, "kept.bin", 100 * KiB).path }).done;

    const [keptSecrets, ...forgotten] = secretsOf(statePath, [kept.jobId, released.jobId, cancelled.id, failed.id]) as [JobSecrets, ...JobSecrets[]];
    // The search finds what is there: every key is in the file or the -wal before anything is forgotten.
    for (const s of [keptSecrets, ...forgotten]) expect(foundIn(statePath, s.key), `key of ${s.id} before`).not.toEqual([]);

    clock.t += 31 * DAY;
    await client.renewDue();
    expect(client.jobs().map((job) => job.id)).toEqual([kept.jobId]);

    for (const s of forgotten) {
      expect(foundIn(statePath, s.key), `key of ${s.id}`).toEqual([]);
      expect(foundIn(statePath, s.noncePrefix), `nonce prefix of ${s.id}`).toEqual([]);
    }
    expect(foundIn(statePath, keptSecrets.key)).not.toEqual([]);

    await client.stop();
    for (const s of forgotten) expect(foundIn(statePath, s.key), `key of ${s.id} after stop`).toEqual([]);
    expect(foundIn(statePath, keptSecrets.key)).not.toEqual([]);
  });
});
