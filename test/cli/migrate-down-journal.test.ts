/**
 * `status-compat migrate down` across the level that added the storage journal: a release
 * engineer rolling back one release is told what unfinished work it would drop, and must accept it.
 */
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState } from "../../src/state/index.js";
import { runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/** The level-2 fixture, with one done upload's pieces still referenced by a message (as the client that stored them journals it). */
function busyLevel2(): string {
  const path = copyFixture(2, tempDir());
  const db = new Database(path);
  try {
    db.prepare(
      `INSERT INTO availability (cid, uploaded_at, expires_at, referenced)
         SELECT p.cid, p.uploaded_at, p.uploaded_at + 30 * 86400000, 1 FROM upload_pieces p
          WHERE p.job_id = (SELECT id FROM upload_jobs WHERE state = 'done' ORDER BY id LIMIT 1)`,
    ).run();
  } finally {
    db.close();
  }
  return path;
}

/** What the level-2 fixture's journal holds that level 1 cannot keep, counted here from its rows. */
function unfinishedIn(path: string): { uploads: number; pieces: number; downloads: number; referenced: number } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (sql: string): number => db.prepare(sql).pluck().get() as number;
    return {
      uploads: n(`SELECT count(*) FROM upload_jobs WHERE state IN ('queued', 'uploading', 'failed')`),
      pieces: n(`SELECT count(*) FROM upload_pieces p JOIN upload_jobs j ON j.id = p.job_id WHERE j.state IN ('queued', 'uploading', 'failed')`),
      downloads: n(`SELECT count(*) FROM download_jobs WHERE state IN ('queued', 'downloading', 'failed')`),
      referenced: n(
        `SELECT count(DISTINCT j.id) FROM upload_jobs j JOIN upload_pieces p ON p.job_id = j.id JOIN availability a ON a.cid = p.cid WHERE j.state = 'done' AND a.referenced = 1`,
      ),
    };
  } finally {
    db.close();
  }
}

describe("status-compat migrate down with unfinished storage jobs", () => {
  test("down 2 -> 1 exits 4 with E_STATE_UNFINISHED_JOBS naming the counts and the way on, file unchanged; it exited 0 and dropped the journal", async () => {
    const path = busyLevel2();
    const lost = unfinishedIn(path);
    expect(lost.uploads).toBeGreaterThan(0);
    expect(lost.downloads).toBeGreaterThan(0);
    expect(lost.referenced).toBeGreaterThan(0);
    const hash = sha256File(path);
    const r = await runCliInProcess(["migrate", "down", "--db", path]);
    expect(r.code, r.stdout).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error[E_STATE_UNFINISHED_JOBS]");
    expect(r.stderr).toContain(`${lost.uploads.toLocaleString("en-US")} unfinished uploads (${lost.pieces.toLocaleString("en-US")} pieces already stored)`);
    expect(r.stderr).toContain(`${lost.downloads.toLocaleString("en-US")} unfinished downloads`);
    expect(lost.referenced).toBe(1);
    expect(r.stderr).toContain("1 done upload whose pieces messages still refer to");
    expect(r.stderr).toContain("--discard-unfinished-jobs");
    expect(sha256File(path)).toBe(hash);
  });

  test("--dry-run reports the refusal the same way (exit 4); with --discard-unfinished-jobs it prints what it would revert and discard, exit 0; neither writes", async () => {
    const path = busyLevel2();
    const lost = unfinishedIn(path);
    const hash = sha256File(path);
    const refused = await runCliInProcess(["migrate", "down", "--db", path, "--dry-run"]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain("error[E_STATE_UNFINISHED_JOBS]");
    const r = await runCliInProcess(["migrate", "down", "--db", path, "--dry-run", "--discard-unfinished-jobs", "--discard-data"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run, nothing written/);
    expect(r.stdout).toMatch(/would revert 0002_level2_dual_path/);
    expect(r.stdout).toContain(`would discard ${lost.uploads.toLocaleString("en-US")} unfinished uploads`);
    const json = JSON.parse((await runCliInProcess(["migrate", "down", "--db", path, "--dry-run", "--discard-unfinished-jobs", "--discard-data", "--json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      dryRun: true,
      after: { level: 1 },
      discarded: { unfinishedUploads: lost.uploads, storedPieces: lost.pieces, unfinishedDownloads: lost.downloads, referencedUploads: lost.referenced },
    });
    expect(sha256File(path)).toBe(hash);
  });

  test("--discard-unfinished-jobs runs the down and says what it discarded (as a real process: exit statuses reach the shell)", async () => {
    const path = busyLevel2();
    const lost = unfinishedIn(path);
    const refused = await runCli(["migrate", "down", "--db", path]);
    expect(refused.code).toBe(4);
    const r = await runCli(["migrate", "down", "--db", path, "--discard-unfinished-jobs", "--discard-data"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/level 2 -> 1/);
    expect(r.stdout).toContain(`discarded ${lost.uploads.toLocaleString("en-US")} unfinished uploads`);
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
  });

  test("status names the journal's unfinished work (what a down below level 2 would lose); a file without any says nothing of it", async () => {
    const path = busyLevel2();
    const lost = unfinishedIn(path);
    const r = await runCliInProcess(["migrate", "status", "--db", path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `  storage journal  ${lost.uploads} unfinished uploads (${lost.pieces} pieces already stored), ${lost.downloads} unfinished downloads and 1 done upload whose pieces messages still refer to: ` +
        "a down to a level without the journal refuses while they remain",
    );
    const json = JSON.parse((await runCliInProcess(["migrate", "status", "--db", path, "--json"])).stdout) as Record<string, unknown>;
    expect(json["journal"]).toEqual({ unfinishedUploads: lost.uploads, storedPieces: lost.pieces, unfinishedDownloads: lost.downloads, referencedUploads: 1 });
    const quiet = await runCliInProcess(["migrate", "status", "--db", copyFixture(1, tempDir())]);
    expect(quiet.stdout).not.toContain("storage journal");
  });

  test("--discard-unfinished-jobs goes with down only (exit 2)", async () => {
    const path = copyFixture(1, tempDir());
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--discard-unfinished-jobs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--discard-unfinished-jobs goes with down/);
  });
});
