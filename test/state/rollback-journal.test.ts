/**
 * `down` across the level that added the storage journal (2 → 1, or --to 0) drops upload_jobs,
 * upload_pieces, download_jobs, download_pieces and availability: an upload the user sent that
 * has not reached the store, a download under way, and the renewal of pieces messages still
 * refer to would be gone for good. It must refuse unless the caller accepts that loss.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { acquireMigrationLock, inspectState, migrateState, shippedCatalog, StateError } from "../../src/state/index.js";
import { createLogger } from "../../src/obs/index.js";
import { tempDir } from "../support/temp-dir.js";
import { sha256File } from "./support/files.js";
import { dumpState } from "./support/state-dump.js";

const catalog = shippedCatalog();
const LEVEL1 = catalog.lastOfLevel(1)?.definition.name as string;
const LEVEL2 = catalog.lastOfLevel(2)?.definition.name as string;
const NOW = 1_790_000_000_000;
const DAY = 24 * 3600 * 1000;

interface Journal {
  uploads: { id: string; state: string; pieces: number; referenced?: boolean }[];
  downloads: { id: string; state: string; pieces: number }[];
}

/** The journal of a user with sends and receipts in every state. */
const BUSY: Journal = {
  uploads: [
    { id: "up-queued", state: "queued", pieces: 0 },
    { id: "up-running", state: "uploading", pieces: 2 },
    { id: "up-failed", state: "failed", pieces: 1 },
    { id: "up-done-referenced", state: "done", pieces: 3, referenced: true },
    { id: "up-done-released", state: "done", pieces: 1, referenced: false },
    { id: "up-cancelled", state: "cancelled", pieces: 1 },
  ],
  downloads: [
    { id: "down-running", state: "downloading", pieces: 4 },
    { id: "down-done", state: "done", pieces: 2 },
    { id: "down-cancelled", state: "cancelled", pieces: 0 },
  ],
};

/** What BUSY holds that level 1 cannot keep. */
const BUSY_LOSS = { unfinishedUploads: 2 + 1, storedPieces: 2 + 1, unfinishedDownloads: 1, referencedUploads: 1 };

async function stateWith(path: string, level: number, journal: Journal): Promise<void> {
  await migrateState({ path, direction: "up", to: catalog.lastOfLevel(level)?.definition.name });
  const db = new Database(path);
  try {
    db.transaction(() => {
      db.prepare("INSERT INTO settings (key, value) VALUES ('quota_bytes', '1073741824')").run();
      db.prepare("INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES (?, 1, 2, ?)").run(`0x04${"ab".repeat(64)}`, NOW);
      const upload = db.prepare(
        `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, plaintext_sha256, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, created_at, updated_at)
         VALUES (?, ?, ?, 9000000, NULL, 4194304, 65536, ?, ?, 'image/jpeg', 'holiday.jpg', 2, ?, ?)`,
      );
      const piece = db.prepare(`INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES (?, ?, ?, 4194320, ?, ?)`);
      const available = db.prepare(`INSERT INTO availability (cid, uploaded_at, expires_at, referenced) VALUES (?, ?, ?, ?)`);
      for (const u of journal.uploads) {
        upload.run(u.id, u.state, `/sdcard/DCIM/${u.id}.jpg`, Buffer.alloc(32, 1), Buffer.alloc(7, 2), NOW, NOW);
        for (let i = 0; i < u.pieces; i++) {
          const cid = `zDx${u.id}-${i}`;
          piece.run(u.id, i, cid, Buffer.alloc(32, i), NOW);
          if (u.state === "done") available.run(cid, NOW, NOW + 30 * DAY, u.referenced === true ? 1 : 0);
        }
      }
      const download = db.prepare(
        `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const verified = db.prepare(`INSERT INTO download_pieces (job_id, idx, verified_at) VALUES (?, ?, ?)`);
      for (const d of journal.downloads) {
        download.run(d.id, d.state, Buffer.alloc(200, 3), `/data/files/${d.id}`, `/data/cache/${d.id}.part`, NOW, NOW);
        for (let i = 0; i < d.pieces; i++) verified.run(d.id, i, NOW);
      }
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

function dumpOf(path: string): ReturnType<typeof dumpState> {
  const db = new Database(path, { readonly: true });
  try {
    return dumpState(db);
  } finally {
    db.close();
  }
}

async function refusal(promise: Promise<unknown>): Promise<StateError> {
  const outcome = await promise.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, the down ran: ${JSON.stringify(outcome.result)}`);
  expect(outcome.error).toBeInstanceOf(StateError);
  return outcome.error as StateError;
}

describe("down across the storage journal's level", () => {
  test("down 2 -> 1 with unfinished uploads, an unfinished download and a done upload messages still refer to is refused with E_STATE_UNFINISHED_JOBS naming each count; nothing is written (it dropped every journal row and reported success)", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const hash = sha256File(path);
    const e = await refusal(migrateState({ path, direction: "down" }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.details).toMatchObject({ path, level: 2, targetLevel: 1, ...BUSY_LOSS });
    expect(e.message).toContain("3 unfinished uploads (3 pieces already stored)");
    expect(e.message).toContain("1 unfinished download");
    expect(e.message).toContain("1 done upload whose pieces messages still refer to");
    // How to proceed: what release 0.1.0 actually needs (it opens level 2 as it is), and how to accept the loss.
    expect(e.message).toContain("release 0.1.0 opens a level-2 file (compat level 1) as it is, so reinstalling it needs no down at all");
    expect(e.message).toContain("--discard-unfinished-jobs");
    expect(e.message).toContain("discardUnfinishedJobs");
    expect(e.message).toContain("let release 0.2.0 finish or cancel the unfinished jobs, then run this again");
    expect(sha256File(path)).toBe(hash);
    expect(inspectState(path)).toMatchObject({ level: 2, problem: undefined });
  });

  test("done uploads still renewed are refused alone too, and the message does not send the user to wait for them to finish", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, { uploads: BUSY.uploads.filter((u) => u.referenced === true), downloads: [] });
    const e = await refusal(migrateState({ path, direction: "down", to: 0 }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.details).toMatchObject({ unfinishedUploads: 0, storedPieces: 0, unfinishedDownloads: 0, referencedUploads: 1 });
    expect(e.message).toContain("would lose 1 done upload whose pieces messages still refer to (nothing would renew those pieces");
    expect(e.message).not.toContain("finish or cancel");
    expect(e.message).toContain("To proceed: accept the loss: `--discard-unfinished-jobs`");
  });

  test("--to 0 from level 2 is refused the same way (everything goes, but pending sends only on request)", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const e = await refusal(migrateState({ path, direction: "down", to: 0 }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.details).toMatchObject({ level: 2, targetLevel: 0, ...BUSY_LOSS });
    expect(inspectState(path).level).toBe(2);
  });

  test("down 3 -> 1 in one run is refused too, and nothing of the run (not even 3 -> 2) is committed", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    await migrateState({ path, direction: "up" });
    const before = dumpOf(path);
    const e = await refusal(migrateState({ path, direction: "down", to: LEVEL1 }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.details).toMatchObject({ level: 3, targetLevel: 1, ...BUSY_LOSS });
    expect(e.message).toContain(`release 0.1.0 opens a level-2 file (compat level 1): \`migrate down --to ${LEVEL2}\` is all it needs and keeps the journal`);
    expect(inspectState(path).level).toBe(3);
    expect(dumpOf(path)).toEqual(before);
  });

  test("an upload journaled while the down waited for the migration lock is counted inside the run's transaction: refused, the upload kept", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, { uploads: [BUSY.uploads[4] as Journal["uploads"][number]], downloads: [] });
    const lock = await acquireMigrationLock(path);
    let waiting!: () => void;
    const waits = new Promise<void>((r) => (waiting = r));
    const logger = createLogger({ level: "info", destination: { write: (line: string) => void (JSON.parse(line).msg?.startsWith("waiting for another process") && waiting()) } });
    const down = migrateState({ path, direction: "down", lockTimeoutMs: 10_000, logger });
    // The down has judged the file (nothing unfinished) and waits for the lock; a client journals an upload meanwhile.
    await waits;
    const db = new Database(path);
    db.prepare(
      `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, created_at, updated_at)
       VALUES ('late', 'queued', '/sdcard/late.jpg', 10, 4194304, 65536, zeroblob(32), zeroblob(7), 'image/jpeg', 'late.jpg', 2, 1, 1)`,
    ).run();
    db.close();
    lock.release();
    const e = await refusal(down);
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    expect(e.details).toMatchObject({ unfinishedUploads: 1, storedPieces: 0, unfinishedDownloads: 0, referencedUploads: 0 });
    expect(inspectState(path).level).toBe(2);
  });

  test("with discardUnfinishedJobs the down runs and its result names what was discarded", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const result = await migrateState({ path, direction: "down", discardUnfinishedJobs: true });
    expect(result.after.level).toBe(1);
    expect(result.discarded).toEqual(BUSY_LOSS);
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
  });

  test("a journal holding only ended jobs nothing needs (done and released, cancelled) goes down without the option, discarding nothing", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, {
      uploads: BUSY.uploads.filter((u) => u.state === "cancelled" || (u.state === "done" && u.referenced !== true)),
      downloads: BUSY.downloads.filter((d) => d.state === "done" || d.state === "cancelled"),
    });
    const result = await migrateState({ path, direction: "down" });
    expect(result.after.level).toBe(1);
    expect(result.discarded).toBeUndefined();
  });

  test("down 3 -> 2 keeps the journal (level 2 has it): it runs without the option and every journal row is still there", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const atLevel2 = dumpOf(path);
    await migrateState({ path, direction: "up" });
    const result = await migrateState({ path, direction: "down" });
    expect(result.after.level).toBe(2);
    expect(result.discarded).toBeUndefined();
    expect(dumpOf(path)).toEqual(atLevel2);
  });

  test("a dry run of the refused down refuses the same way; one with the option reports what it would discard; neither writes", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const hash = sha256File(path);
    const e = await refusal(migrateState({ path, direction: "down", dryRun: true }));
    expect(e.code).toBe("E_STATE_UNFINISHED_JOBS");
    const result = await migrateState({ path, direction: "down", dryRun: true, discardUnfinishedJobs: true });
    expect(result).toMatchObject({ dryRun: true, before: { level: 2 }, after: { level: 1 }, discarded: BUSY_LOSS });
    expect(result.runs.map((r) => r.name)).toEqual([LEVEL2]);
    expect(sha256File(path)).toBe(hash);
    expect(inspectState(path).level).toBe(2);
  });

  test("a dry run of up on a missing file says what it would create and creates nothing (it left an empty FILE while printing 'nothing written')", async () => {
    const dir = tempDir();
    const path = join(dir, "new.sqlite");
    const result = await migrateState({ path, direction: "up", dryRun: true });
    expect(result).toMatchObject({ dryRun: true, before: { level: 0 }, after: { level: catalog.maxLevel } });
    expect(result.runs.map((r) => r.name)).toEqual(catalog.entries.map((e) => e.definition.name));
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a dry run leaves a file in rollback-journal mode byte for byte as it was (a real run switches it to WAL)", async () => {
    const path = join(tempDir(), "state.sqlite");
    await stateWith(path, 2, BUSY);
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const hash = sha256File(path);
    await migrateState({ path, direction: "down", dryRun: true, discardUnfinishedJobs: true });
    await migrateState({ path, direction: "up", dryRun: true });
    expect(sha256File(path)).toBe(hash);
  });
});
