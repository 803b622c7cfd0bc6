import type Database from "better-sqlite3";
import { basename, resolve, sep } from "node:path";
import { inRealFolders } from "../real-folders.js";

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

/** A job failed because its backend was closed under the running client (closedUnderRun): the next start resumes it, so it is unfinished. */
const CLOSED_OUT = `state = 'failed' AND substr(last_error, 1, 17) = 'E_CLIENT_CLOSED: '`;

/**
 * How the journal's last_error of a download failed for a passing cause (too many files open) while
 * reopening its temp file ends (download/reopen-temp.ts), or of one cut by its job deadline, or out
 * of retries in an outage, with verified pieces (download/run-download.ts): the file and its
 * verified pieces are kept, and a starting client resumes it. A release before it reads an ordinary
 * failure of that code (and removes the temp file, as it does for any); later ones must keep this
 * text and these codes.
 */
export const KEPT_PIECES_MARK = ", which are kept for a resume";

/**
 * How the message of such a failure tells an application to go on from the kept pieces. Named once
 * so a front end whose user has no retry() (the CLI: run the same command again) can say its own
 * words in its place; the journal's last_error keeps these (only the mark is a format).
 */
export const RESUME_KEPT_PIECES = "retry(), or the client's next start,";

/**
 * The codes a failure keeping its pieces is journaled with: E_LOCAL_IO (a passing disk failure),
 * E_TIMEOUT (the job deadline, or an outage's attempts timing out), and an outage's other retryable
 * codes (E_BACKEND_UNREACHABLE, E_BACKEND_HTTP, E_TRUNCATED).
 */
export const KEPT_PIECES_CODES: readonly string[] = ["E_LOCAL_IO", "E_TIMEOUT", "E_BACKEND_UNREACHABLE", "E_BACKEND_HTTP", "E_TRUNCATED"];
const KEPT_PIECES = `state = 'failed' AND (${KEPT_PIECES_CODES.map((code) => `substr(last_error, 1, ${code.length + 2}) = '${code}: '`).join(" OR ")}) AND substr(last_error, -${KEPT_PIECES_MARK.length}) = '${KEPT_PIECES_MARK}'`;

/**
 * Unfinished jobs read straight from a state database's journal, before any client starts on it:
 * a starting client resumes every unfinished job at once, and whether to let one resume can depend
 * on what it is of (the CLI's `file get` resumes a download only for the same reference).
 */
export function pendingDownloadsTo(db: Database.Database, dest: string): PendingDownload[] {
  // A trailing separator names a folder (fetch refuses it as a destination); resolve() would drop it and match the file of that name.
  if (dest.endsWith("/") || dest.endsWith(sep)) return [];
  // Compared with the folders' links followed: the row keeps the spelling it was journaled with (by the app, or the adjacent release).
  const target = inRealFolders(dest);
  // The paths alone first: every fetch to an out asks this, and a reference is ~110 bytes a piece.
  const rows = db
    .prepare(`SELECT id, dest_path FROM download_jobs WHERE (state IN ('queued', 'downloading') OR (${CLOSED_OUT}) OR (${KEPT_PIECES})) ORDER BY created_at, rowid`)
    .all() as { id: string; dest_path: string }[];
  const matches = rows.filter((r) => samePlace(r.dest_path, dest, target));
  if (matches.length === 0) return [];
  const referenceOf = db.prepare(`SELECT file_reference FROM download_jobs WHERE id = ?`).pluck();
  return matches.flatMap((r) => {
    const reference = referenceOf.get(r.id) as Buffer | undefined;
    return reference === undefined ? [] : [{ id: r.id, reference }];
  });
}

/** Every unfinished upload of `source`, oldest first; see pendingDownloadsTo. */
export function pendingUploadsOf(db: Database.Database, source: string): PendingUpload[] {
  return uploadsOf(db, source, `state IN ('queued', 'uploading') OR (${CLOSED_OUT})`, "created_at, rowid");
}

/**
 * Failed uploads of `source` that a retry() would run again from their stored pieces, newest first
 * (not one whose file changed under it, E_SOURCE_CHANGED: a retry refuses to seal it again). Read
 * like pendingUploadsOf, before a client starts: a front end whose user has no retry() (the CLI's
 * `file put`, run again) retries one instead of sharing the file anew, which sent every piece again.
 */
export function retriableUploadsOf(db: Database.Database, source: string): PendingUpload[] {
  return uploadsOf(db, source, `state = 'failed' AND NOT (${CLOSED_OUT}) AND substr(coalesce(last_error, ''), 1, 18) <> 'E_SOURCE_CHANGED: '`, "updated_at DESC, rowid DESC");
}

/** The uploads whose rows meet `where` and whose source is the file `source`, in `order`. */
function uploadsOf(db: Database.Database, source: string, where: string, order: string): PendingUpload[] {
  const target = inRealFolders(source);
  const rows = db.prepare(`SELECT id, protocol, source_path FROM upload_jobs WHERE (${where}) ORDER BY ${order}`).all() as { id: string; protocol: number; source_path: string }[];
  return rows.filter((r) => samePlace(r.source_path, source, target)).map((r) => ({ id: r.id, protocol: r.protocol }));
}

/**
 * Whether `journaled` is the file `given` (whose inRealFolders is `target`). inRealFolders keeps the
 * file's own name, so only a row of the same name needs its folders' links followed: every fetch to
 * an `out` asks this of each unfinished download, and that is a realpath per row otherwise.
 */
function samePlace(journaled: string, given: string, target: string): boolean {
  return basename(resolve(journaled)) === basename(resolve(given)) && inRealFolders(journaled) === target;
}

/**
 * Failed jobs a starting client resumes, as a stop's: those whose backend was closed under the
 * running client (`E_CLIENT_CLOSED`), and downloads that kept their verified pieces (KEPT_PIECES_MARK).
 */
export function closedOutJobs(db: Database.Database): { kind: "upload" | "download"; id: string }[] {
  const ids = (table: string, where: string): string[] => db.prepare(`SELECT id FROM ${table} WHERE ${where} ORDER BY created_at, rowid`).pluck().all() as string[];
  return [
    ...ids("upload_jobs", CLOSED_OUT).map((id) => ({ kind: "upload" as const, id })),
    ...ids("download_jobs", `(${CLOSED_OUT}) OR (${KEPT_PIECES})`).map((id) => ({ kind: "download" as const, id })),
  ];
}
