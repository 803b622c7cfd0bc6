/**
 * The rehearsal's `rollback` line: what going back to the --from release takes once the upgrade
 * has run, and what a down would cost the storage journal the file holds. A release engineer who
 * rolls back one release learns here that no down (or a down to level 2) is enough, and what a
 * down to level 1 would drop.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { formatUpgradeReport, migrateState, rehearseUpgrade, shippedCatalog } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

const LEVEL2 = shippedCatalog().lastOfLevel(2)?.definition.name as string;

/** A level-2 file with 2 unfinished uploads (3 pieces stored) and 1 unfinished download. */
async function busyLevel2(): Promise<string> {
  const path = join(tempDir(), "state.sqlite");
  await migrateState({ path, direction: "up", to: LEVEL2 });
  const db = new Database(path);
  try {
    const job = db.prepare(
      `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, created_at, updated_at)
       VALUES (?, ?, '/sdcard/a.jpg', 9000000, 4194304, 65536, zeroblob(32), zeroblob(7), 'image/jpeg', 'a.jpg', 2, 1, 1)`,
    );
    const piece = db.prepare(`INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES (?, ?, ?, 4194320, zeroblob(32), 1)`);
    job.run("u1", "uploading");
    piece.run("u1", 0, "zDx1");
    piece.run("u1", 1, "zDx2");
    job.run("u2", "failed");
    piece.run("u2", 0, "zDx3");
    db.prepare(`INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, created_at, updated_at) VALUES ('d1', 'queued', zeroblob(200), '/d', '/d.part', 1, 1)`).run();
  } finally {
    db.close();
  }
  return path;
}

const line = (report: Awaited<ReturnType<typeof rehearseUpgrade>>) => report.checks.find((c) => c.id === "rollback");

describe("upgrade rehearsal: the rollback line", () => {
  test("0.1.0 -> 0.3.0 on a level-2 file with unfinished jobs: down to level 2 is enough and keeps them; a down to level 1 would lose them, counted", async () => {
    const path = await busyLevel2();
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: tempDir() });
    expect(report.verdict).toBe("ok");
    expect(line(report)).toEqual({
      id: "rollback",
      title: "rollback to 0.1.0 keeps the storage journal",
      status: "ok",
      detail:
        `\`migrate down --to ${LEVEL2}\` (level 2) is enough, and keeps every journal row; it drops cd_pointers.supersedes_cid: empty, cd_pointers.supersedes_clock: empty, file_references.expires_at: empty (refused without --discard-data once 0.3.0 has written them), and of the storage journal upload_pieces.offset: empty (no option needed: the older release resumes without it); ` +
        "a down to level 1 would lose 2 unfinished uploads (3 pieces already stored) and 1 unfinished download (refused without --discard-unfinished-jobs); " +
        "it would also drop cache_entries: empty, cd_pointers: empty, file_references: empty, communities.source: empty (refused without --discard-data once 0.3.0 has written them)",
    });
    expect(report.rollback).toMatchObject({
      release: "0.1.0",
      downTo: LEVEL2,
      level: 2,
      lost: null,
      ownLevel: 1,
      ownLevelDropsJournal: true,
      lostAtOwnLevel: { unfinishedUploads: 2, storedPieces: 3, unfinishedDownloads: 1, referencedUploads: 0 },
    });
    expect(formatUpgradeReport(report)).toMatch(/^rollback to 0\.1\.0 keeps the storage journal\.+ ok +`migrate down --to 0002_level2_dual_path` \(level 2\) is enough/m);
  });

  test("0.1.0 -> 0.2.0 on a level-1 file: no down is needed; level 1 has no journal, so a later down to it is refused while jobs are unfinished", async () => {
    const path = copyFixture(1, tempDir());
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", workDir: tempDir() });
    expect(line(report)).toMatchObject({
      status: "ok",
      detail:
        "0.1.0 opens the upgraded file as it is (compat level 1): no `migrate down` needed; " +
        "level 1 has no storage journal: once 0.2.0 has run, a down to it is refused while jobs are unfinished; " +
        "it would also drop cache_entries: empty, cd_pointers: empty, file_references: empty, communities.source: empty (refused without --discard-data once 0.2.0 has written them)",
    });
    expect(report.rollback).toMatchObject({ downTo: null, level: 2, lost: null, ownLevelDropsJournal: true, lostAtOwnLevel: null });
  });

  test("0.2.0 -> 0.3.0 on a level-2 file with unfinished jobs: 0.2.0 opens level 3 as it is, and its own level keeps the journal", async () => {
    const path = await busyLevel2();
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir() });
    expect(line(report)).toMatchObject({ status: "ok", detail: "0.2.0 opens the upgraded file as it is (compat level 2): no `migrate down` needed; a down to level 2 would drop cd_pointers.supersedes_cid: empty, cd_pointers.supersedes_clock: empty, file_references.expires_at: empty (refused without --discard-data once 0.3.0 has written them), and of the storage journal upload_pieces.offset: empty (no option needed: the older release resumes without it)" });
    expect(report.rollback).toMatchObject({ downTo: null, level: 3, lost: null, ownLevelDropsJournal: false, lostAtOwnLevel: null });
  });
});

describe("upgrade rehearsal: the rollback line names the data a down would drop, table by table", () => {
  test("0.2.0 -> 0.3.0: 0.2.0 needs no down, and a down to its level 2 would drop the new columns (empty on the copy, refused once written)", async () => {
    const path = await busyLevel2();
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir() });
    expect(line(report)?.status).toBe("ok");
    expect(line(report)?.detail).toContain("a down to level 2 would drop cd_pointers.supersedes_cid: empty, cd_pointers.supersedes_clock: empty, file_references.expires_at: empty (refused without --discard-data once 0.3.0 has written them)");
    expect(report.rollback?.droppedAtOwnLevel?.columns).toEqual(
      expect.arrayContaining([{ table: "file_references", column: "expires_at", values: 0, journal: false }]),
    );
  });

  test("0.1.0 -> 0.3.0 on the level-1 fixture: the cheapest down (to level 2) and a down to level 1 each name what they drop, with counts", async () => {
    const path = copyFixture(1, tempDir());
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: tempDir() });
    expect(line(report)?.status).toBe("ok");
    const detail = line(report)?.detail ?? "";
    expect(detail).toContain(`\`migrate down --to ${LEVEL2}\` (level 2) is enough, and keeps every journal row; it drops cd_pointers.supersedes_cid: empty`);
    expect(detail).toContain("; it would also drop cache_entries: empty, cd_pointers: empty, file_references: empty");
    expect(report.rollback?.dropped?.columns.map((c) => `${c.table}.${c.column}`)).toEqual(
      expect.arrayContaining(["file_references.expires_at", "cd_pointers.supersedes_cid", "upload_pieces.offset"]),
    );
    expect(report.rollback?.droppedAtOwnLevel?.tables.map((t) => t.table)).toEqual(expect.arrayContaining(["file_references", "cd_pointers", "cache_entries"]));
  });
});
