import { startedContext, type AnyJob, type ClientSession } from "./client-session.js";
import type { FetchResult } from "./download/run-download.js";
import { asKnown, handleFromDownloadRow, handleFromUploadRow } from "./job-handles.js";
import type { DownloadJobRow } from "./journal/download-journal.js";
import type { JobKind, JobState } from "./journal/job-states.js";
import { pendingDownloadsTo, pendingUploadsOf } from "./journal/pending-jobs.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { contentCidIn } from "./cache-store.js";
import { decodeReference } from "./reference-codec.js";
import { errorFromJournal } from "./job-errors.js";
import { StorageError, type StorageErrorCode } from "./storage-error.js";
import type { TransferJob } from "./transfer-job.js";
import type { ShareResult } from "./upload/run-upload.js";

export interface JobSummary {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly attempts: number;
  /** `E_CODE: message` of the last failure. */
  readonly lastError: string | null;
  /**
   * The code of that failure, as `job(id).done` rejects with it (a code a newer release wrote, which
   * this one does not know, is `E_UNSUPPORTED`, as there): what an app decides on (`retry(id)`, share
   * again, tell the user) without parsing `lastError`. null when `lastError` is.
   */
  readonly lastErrorCode: StorageErrorCode | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * The application's file as a whole path: an upload's source, a download's `out` (each resolved
   * against the working folder as share() and fetch() did). null when the file is one the client keeps itself in its data directory: a share of
   * bytes (read from its spooled copy, or a cached file of the same bytes) and a download into the
   * cache (its `FetchResult.path` says where, once done). Lets an app that was killed say which
   * file each job is without a table of its own.
   */
  readonly path: string | null;
  /** The file name the reference carries (sanitized; "" when it has none, or when the row cannot be read by this release). */
  readonly fileName: string;
}

/** The job's handle: live when it runs in this client, else built from the journal. E_JOB_UNKNOWN otherwise. */
export function jobHandle(session: ClientSession, id: string): AnyJob {
  const ctx = startedContext(session);
  const live = session.handles.get(id);
  if (live !== undefined) return live;
  const up = ctx.uploads.get(id);
  if (up !== undefined) return handleFromUploadRow(session, asKnown(session, up));
  const down = ctx.downloads.get(id);
  if (down !== undefined) return handleFromDownloadRow(session, asKnown(session, down));
  throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
}

/**
 * The unfinished upload of this file, however its folder is spelled: as the journal counts it
 * (pending-jobs.ts, as the CLI does), queued, uploading, or failed with its backend closed under the
 * run, which the next start resumes: left out, the application started a second upload beside it.
 */
export function pendingUploadOf(session: ClientSession, path: string): TransferJob<ShareResult> | undefined {
  const ctx = startedContext(session);
  // A JavaScript caller's null (a message whose file was never saved) names no file: no job is of it.
  if (typeof path !== "string") return undefined;
  const found = pendingUploadsOf(ctx.db, path).find((p) => !session.unrecorded.has(p.id));
  const row = found === undefined ? undefined : ctx.uploads.get(found.id);
  return row === undefined ? undefined : (handleFromUploadRow(session, row) as TransferJob<ShareResult>);
}

/** The unfinished download to this destination, however its folder is spelled, as the journal counts it (see pendingUploadOf). */
export function pendingDownloadTo(session: ClientSession, path: string): TransferJob<FetchResult> | undefined {
  const ctx = startedContext(session);
  if (typeof path !== "string") return undefined;
  const found = pendingDownloadsTo(ctx.db, path).find((p) => !session.unrecorded.has(p.id));
  const row = found === undefined ? undefined : ctx.downloads.get(found.id);
  return row === undefined ? undefined : (handleFromDownloadRow(session, row) as TransferJob<FetchResult>);
}

/** Every job in the journal, oldest first, as this session knows it. */
export function jobSummaries(session: ClientSession): JobSummary[] {
  const ctx = startedContext(session);
  // The client's own files (spooled bytes, cached downloads) are no file of the application's.
  const appPath = (path: string): string | null => (contentCidIn(ctx.dirs.spool, path) ?? contentCidIn(ctx.dirs.cache, path)) === undefined ? path : null;
  const summary = (kind: JobKind, r: UploadJobRow | DownloadJobRow, path: string | null, fileName: string): JobSummary => ({
    id: r.id,
    kind,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    lastErrorCode: r.last_error === null ? null : errorFromJournal("failed", r.last_error).code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    path,
    fileName,
  });
  const upload = (r: UploadJobRow): JobSummary => summary("upload", r, appPath(r.source_path), r.file_name);
  const download = (r: DownloadJobRow): JobSummary => summary("download", r, appPath(r.dest_path), referencedFileName(session, r));
  // Each table comes in the order its jobs were made (created_at, then rowid); a stable sort by time keeps that
  // order for jobs made within one millisecond, which their random ids shuffled (a file forwarded to several chats).
  return [...ctx.uploads.all().map((r) => upload(asKnown(session, r))), ...ctx.downloads.all().map((r) => download(asKnown(session, r)))].sort(
    (a, b) => a.createdAt - b.createdAt,
  );
}

/** The name a download's reference carries; "" for one this release cannot read (its run fails with the typed error, the list still shows it). */
function referencedFileName(session: ClientSession, row: DownloadJobRow): string {
  try {
    return decodeReference(row.file_reference, session.protocol).view.fileName;
  } catch {
    return "";
  }
}
