import type Database from "better-sqlite3";

/** An unfinished download, with the FileReference bytes its journal row keeps. */
export interface PendingDownload {
  readonly id: string;
  readonly reference: Uint8Array;
}

/** An unfinished upload, with the protocol whose FileReference it will produce. */
export interface PendingUpload {
  readonly id: string;
  readonly protocol: number;
}

/**
 * Unfinished jobs read straight from a state database's journal, before any client starts on it:
 * a starting client resumes every unfinished job at once, and whether to let one resume can depend
 * on what it is of (the CLI's `file get` resumes a download only for the same reference).
 */
export function pendingDownloadsTo(db: Database.Database, dest: string): PendingDownload[] {
  const rows = db
    .prepare(`SELECT id, file_reference FROM download_jobs WHERE state IN ('queued', 'downloading') AND dest_path = ? ORDER BY created_at, id`)
    .all(dest) as { id: string; file_reference: Buffer }[];
  return rows.map((r) => ({ id: r.id, reference: r.file_reference }));
}

/** Every unfinished upload of `source`, oldest first; see pendingDownloadsTo. */
export function pendingUploadsOf(db: Database.Database, source: string): PendingUpload[] {
  const rows = db
    .prepare(`SELECT id, protocol FROM upload_jobs WHERE state IN ('queued', 'uploading') AND source_path = ? ORDER BY created_at, id`)
    .all(source) as { id: string; protocol: number }[];
  return rows.map((r) => ({ id: r.id, protocol: r.protocol }));
}
