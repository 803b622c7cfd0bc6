import type Database from "better-sqlite3";
import type { DownloadState } from "./job-states.js";
import { moveJob } from "./move-job.js";

export interface DownloadJobRow {
  id: string;
  state: DownloadState;
  /** The FileReference bytes as received (unknown fields kept). */
  file_reference: Buffer;
  dest_path: string;
  temp_path: string;
  attempts: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * The download half of the journal (download_jobs, download_pieces). A piece row means "verified,
 * decrypted and written (and synced) into the temp file"; a resumed job never fetches it again.
 */
export class DownloadJournal {
  private readonly insertJob: Database.Statement;
  private readonly selectJob: Database.Statement;
  private readonly selectByStates: Database.Statement;
  private readonly selectAll: Database.Statement;
  private readonly selectPieces: Database.Statement;
  private readonly selectLastVerified: Database.Statement;
  private readonly deletePieces: Database.Statement;
  private readonly selectEndedBefore: Database.Statement;
  private readonly deleteJob: Database.Statement;
  private readonly insertPieces: (id: string, indexes: readonly number[], now: number) => void;

  constructor(private readonly db: Database.Database) {
    this.insertJob = db.prepare(
      `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, attempts, created_at, updated_at)
       VALUES (@id, 'queued', @file_reference, @dest_path, @temp_path, 0, @created_at, @created_at)`,
    );
    this.selectJob = db.prepare(`SELECT * FROM download_jobs WHERE id = ?`);
    // Jobs made within one millisecond (a file forwarded to several chats) come back in the order
    // they were made: rowid is insertion order (a rowid table; rows are only updated, never
    // re-inserted, by every release), where the random ids would shuffle them.
    this.selectByStates = db.prepare(`SELECT * FROM download_jobs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid`);
    this.selectAll = db.prepare(`SELECT * FROM download_jobs ORDER BY created_at, rowid`);
    this.selectPieces = db.prepare(`SELECT idx FROM download_pieces WHERE job_id = ? ORDER BY idx`);
    this.selectLastVerified = db.prepare(`SELECT max(verified_at) FROM download_pieces WHERE job_id = ?`).pluck();
    this.deletePieces = db.prepare(`DELETE FROM download_pieces WHERE job_id = ?`);
    this.selectEndedBefore = db.prepare(`SELECT * FROM download_jobs WHERE state IN ('done', 'failed', 'cancelled') AND updated_at < ? ORDER BY updated_at, id`);
    this.deleteJob = db.prepare(`DELETE FROM download_jobs WHERE id = ?`);
    const insertPiece = db.prepare(`INSERT OR IGNORE INTO download_pieces (job_id, idx, verified_at) VALUES (?, ?, ?)`);
    this.insertPieces = db.transaction((id: string, indexes: readonly number[], now: number) => {
      for (const idx of indexes) insertPiece.run(id, idx, now);
    });
  }

  create(job: { id: string; file_reference: Uint8Array; dest_path: string; temp_path: string; created_at: number }): void {
    this.insertJob.run({ ...job, file_reference: Buffer.from(job.file_reference) });
  }

  get(id: string): DownloadJobRow | undefined {
    return this.selectJob.get(id) as DownloadJobRow | undefined;
  }

  inStates(states: readonly DownloadState[]): DownloadJobRow[] {
    return this.selectByStates.all(JSON.stringify(states)) as DownloadJobRow[];
  }

  all(): DownloadJobRow[] {
    return this.selectAll.all() as DownloadJobRow[];
  }

  verifiedPieces(id: string): Set<number> {
    return new Set((this.selectPieces.all(id) as { idx: number }[]).map((r) => r.idx));
  }

  /** When the job's latest journaled piece was verified; undefined when it has none. */
  lastVerifiedAt(id: string): number | undefined {
    return (this.selectLastVerified.get(id) as number | null) ?? undefined;
  }

  /** Pieces one sync made durable, in one transaction. */
  recordPieces(id: string, indexes: readonly number[], now: number): void {
    this.insertPieces(id, indexes, now);
  }

  /** The temp file is gone or cannot be trusted: its pieces must be fetched again. */
  forgetPieces(id: string): void {
    this.deletePieces.run(id);
  }

  /** Jobs that ended (done, failed, cancelled) before `cutoff`. */
  endedBefore(cutoff: number): DownloadJobRow[] {
    return this.selectEndedBefore.all(cutoff) as DownloadJobRow[];
  }

  /** Forgets a job and its pieces (explicitly: a connection may run without foreign keys). */
  remove(id: string): void {
    this.deletePieces.run(id);
    this.deleteJob.run(id);
  }

  start(id: string, now: number): void {
    this.move(id, "downloading", `attempts = attempts + 1, last_error = NULL`, {}, now);
  }

  finish(id: string, now: number): void {
    this.move(id, "done", ``, {}, now);
  }

  fail(id: string, error: string, now: number): void {
    this.move(id, "failed", `last_error = @error`, { error }, now);
  }

  cancel(id: string, now: number): void {
    this.move(id, "cancelled", ``, {}, now);
  }

  requeue(id: string, now: number): void {
    this.move(id, "queued", `last_error = NULL`, {}, now);
  }

  private move(id: string, to: DownloadState, set: string, params: Record<string, unknown>, now: number): void {
    moveJob(this.db, "download", id, to, set, params, now, (job) => this.get(job)?.state);
  }
}
