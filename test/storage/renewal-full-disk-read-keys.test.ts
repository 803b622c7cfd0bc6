/**
 * Renewal journals the network reads of pieces only the network can renew in the `settings` table
 * and forgets those of pieces no longer referenced at the start of each run. A state that refuses
 * that delete (a full disk: SQLite needs room to write even a delete) failed the whole run with
 * E_LOCAL_IO before any piece was looked at: every file of the user expired for every receiver
 * while the disk stayed full. That bookkeeping is best effort now.
 */
import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

function refuseSettingDeletes(statePath: string): void {
  const db = new Database(statePath);
  db.exec(`CREATE TRIGGER refuse_setting_deletes BEFORE DELETE ON settings BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
  db.close();
  onTestFinished(() => {
    const again = new Database(statePath);
    again.exec(`DROP TRIGGER IF EXISTS refuse_setting_deletes`);
    again.close();
  });
}

describe("renewal on a state that refuses deletes (a full disk)", () => {
  test("the pieces are still renewed: forgetting released pieces' network reads is best effort", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client, statePath } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
    const lostFile = writeRandomFile(dir, "old.jpg", 10 * KiB);
    const lost = await client.share({ path: lostFile.path }).done;
    const kept = await client.share({ path: writeRandomFile(dir, "new.jpg", 10 * KiB).path }).done;
    // A photo the node lost and the user deleted: the run reads it from the network, and journals that read.
    await backend.delete(lost.view.pieces[0]?.cid as string);
    rmSync(lostFile.path);
    clock.t = start + 28 * DAY;
    expect(await client.renewDue()).toEqual({ renewed: kept.view.pieces.map((p) => p.cid), failed: [{ cid: lost.view.pieces[0]?.cid, code: "E_SOURCE_MISSING" }] });
    // The chat with it is deleted; then the disk fills up.
    client.release(lost.reference);
    refuseSettingDeletes(statePath);
    clock.t = start + 56 * DAY;
    const report = await client.renewDue().catch((error: { code?: string }) => error.code);
    expect(report).toEqual({ renewed: kept.view.pieces.map((p) => p.cid), failed: [] });
  });
});
