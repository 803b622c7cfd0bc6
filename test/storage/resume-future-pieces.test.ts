/**
 * An upload interrupted while the device clock ran far ahead (a year at boot, before network time),
 * resumed after the clock was put right: the floored clock drops a floor further ahead than
 * ttlMs + renewBeforeMs, so the pieces stored by the first run carry an `uploaded_at` a year in the
 * future. The resumed run took them for freshly stored (only a past upload older than the renewal
 * margin was stored again) and the reference was finished with an expiry a year and 30 days away,
 * which receivers do not believe (status `unknown`), while the node's TTL ran from the real time.
 * Such a piece is stored again, as renewal treats a journaled expiry past now + ttl + margin.
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import Database from "better-sqlite3";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { localStore, SMALL_PIECES, writeRandomFile, fileSha256, sha256Hex } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";
import { tempDir } from "../support/temp-dir.js";

const DAY = 24 * 60 * 60 * 1000;
const REAL = Date.UTC(2026, 5, 1);

describe("a resumed upload whose journaled pieces were stored while the clock ran ahead", () => {
  test("stores those pieces again, and the reference's expiry is one a receiver believes", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const device = { t: REAL + 365 * DAY, m: 1_000 };
    const clock = { now: () => device.t, monotonic: () => device.m };
    let puts = 0;
    let arrive!: () => void;
    const onItsWay = new Promise<void>((resolve) => (arrive = resolve));
    backend.beforePut = () => (++puts === 3 ? onItsWay : undefined);
    const a = await StorageClient.open({ ...reopenable(dir, backend), clock });
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 5 * SMALL_PIECES.pieceSize);
    const job = a.share({ path });
    await vi.waitFor(() => expect(puts).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    const stopped = a.stop();
    arrive();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await stopped;
    const db = new Database(join(dir, "s.sqlite"), { readonly: true });
    const journaled = (db.prepare(`SELECT count(*) FROM upload_pieces WHERE job_id = ?`).pluck().get(job.id) as number);
    db.close();
    expect(journaled).toBeGreaterThanOrEqual(2);

    // The clock is put right (network time came), a new process.
    device.t = REAL;
    device.m = 500;
    backend.beforePut = undefined;
    const putsBefore = backend.puts;
    const b = await StorageClient.open({ ...reopenable(dir, backend), clock });
    try {
      const { reference, view } = (await b.job(job.id).done) as ShareResult;
      // Every piece of the file was stored by this run: the earlier ones' TTL ran from a real time no one knows.
      expect(backend.puts - putsBefore).toBe(5);
      expect(view.expiresAt).toBeDefined();
      expect((view.expiresAt as number) * 1000).toBeLessThanOrEqual(REAL + 30 * DAY + 60_000);
      expect((await b.status(reference)).state).toBe("available");
      const out = join(dir, "back.jpg");
      await b.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await b.stop();
    }
  });
});
