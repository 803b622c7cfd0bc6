import { existsSync } from "node:fs";
import { openState, type OpenStateOptions } from "../../state/index.js";
import { profileFor } from "../../versions/index.js";

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

const PENDING_DOWNLOADS = `SELECT id, file_reference FROM download_jobs WHERE state IN ('queued', 'downloading') AND dest_path = ? ORDER BY created_at, id`;
const PENDING_UPLOADS = `SELECT id, protocol FROM upload_jobs WHERE state IN ('queued', 'uploading') AND source_path = ? ORDER BY created_at, id`;

/**
 * Every unfinished download to `dest` (absolute), oldest first.
 *
 * Read from the journal directly (columns as docs/state-schema.md lays them out): the storage
 * client's `pendingDownloadTo` hands back the job but not what it is of, and whether to resume it
 * depends on exactly that. Call it before the client starts: a starting client resumes every
 * unfinished job at once, and a stale one given the time of this read to run may get far enough
 * to finish; read before, it is cancelled on the client's first turn.
 */
export async function pendingDownloadsTo(state: JournalLocation, dest: string): Promise<PendingDownload[]> {
  const rows = await readJournal(state, PENDING_DOWNLOADS, dest);
  return (rows as { id: string; file_reference: Buffer }[]).map((r) => ({ id: r.id, reference: r.file_reference }));
}

/** Every unfinished upload of `source` (absolute), oldest first; see `pendingDownloadsTo` for why and when. */
export async function pendingUploadsOf(state: JournalLocation, source: string): Promise<PendingUpload[]> {
  const rows = await readJournal(state, PENDING_UPLOADS, source);
  return (rows as { id: string; protocol: number }[]).map((r) => ({ id: r.id, protocol: r.protocol }));
}

/** The state database the storage client is about to open, and the protocol it will open it as. */
export interface JournalLocation {
  readonly path: string;
  readonly protocol: number;
  readonly logger?: OpenStateOptions["logger"];
}

async function readJournal(location: JournalLocation, sql: string, path: string): Promise<unknown[]> {
  // No state yet: nothing was ever started here.
  if (!existsSync(location.path)) return [];
  // Opened exactly as the client's start() is about to (migrating a file behind this level), so nothing is refused here that the client would accept.
  const state = await openState({
    path: location.path,
    level: profileFor(location.protocol).stateLevel,
    ...(location.logger === undefined ? {} : { logger: location.logger }),
  });
  try {
    return state.db.prepare(sql).all(path);
  } finally {
    state.close();
  }
}
