/**
 * The journal refusing a new job's row (as a full disk makes SQLite do): share() and fetch() throw
 * the typed error at once and keep no handle of a job that does not exist; once the journal takes
 * rows again, the same calls work. The refusal is a trigger on the real state database.
 */
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { sha256Hex, startClient, writeRandomFile, KiB } from "./support/client-fixture.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

function refuseInserts(statePath: string, table: string): () => void {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(FAIL, 'no space left for this row'); END;`);
  return () => {
    db.exec(`DROP TRIGGER refuse_${table}`);
    db.close();
  };
}

describe("a journal that refuses a new job", () => {
  test("share() throws E_LOCAL_IO naming the state database, keeps no handle, and works once the journal takes rows again", async () => {
    const { client, dir, statePath } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "a.bin", 100 * KiB);
    const allow = refuseInserts(statePath, "upload_jobs");
    let thrown: unknown;
    try {
      client.share({ path });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StorageError);
    expect(thrown).toMatchObject({ code: "E_LOCAL_IO", message: expect.stringContaining("the state database failed") });
    expect(client.pendingUploadOf(path)).toBeUndefined();
    expect(client.jobs()).toEqual([]);
    allow();
    const { reference } = await client.share({ path }).done;
    const { path: out } = await client.fetch(reference, { out: join(dir, "back.bin") }).done;
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
  });

  test("fetch() throws E_LOCAL_IO, keeps no handle, and works once the journal takes rows again", async () => {
    const { client, dir, statePath } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "b.bin", 100 * KiB);
    const { reference } = await client.share({ path }).done;
    const out = join(dir, "copy.bin");
    const allow = refuseInserts(statePath, "download_jobs");
    expect(() => client.fetch(reference, { out })).toThrow(expect.objectContaining({ code: "E_LOCAL_IO" }));
    expect(client.pendingDownloadTo(out)).toBeUndefined();
    allow();
    const done = await client.fetch(reference, { out }).done;
    expect(sha256Hex(readFileSync(done.path))).toBe(sha256Hex(bytes));
  });
});
