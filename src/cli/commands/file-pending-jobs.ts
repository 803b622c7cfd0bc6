import { existsSync } from "node:fs";
import { openState, type OpenStateOptions, type StateHandle } from "../../state/index.js";
import {
  pendingDownloadsTo as journalDownloadsTo,
  pendingUploadsOf as journalUploadsOf,
  retriableUploadsOf as journalRetriableUploadsOf,
  type PendingDownload,
  type PendingUpload,
} from "../../storage/index.js";
import { profileFor } from "../../versions/index.js";

export type { PendingDownload, PendingUpload };

/**
 * Every unfinished download to `dest` (absolute), oldest first. Call it before the client starts:
 * a starting client resumes every unfinished job at once, and a stale one given the time of this
 * read to run may get far enough to finish; read before, it is cancelled on the client's first turn.
 */
export async function pendingDownloadsTo(state: JournalLocation, dest: string): Promise<PendingDownload[]> {
  return readJournal(state, (db) => journalDownloadsTo(db, dest));
}

/**
 * The uploads of `source` (absolute) a put may go on with: unfinished ones (oldest first), then failed
 * ones a retry runs from their stored pieces (newest first); see `pendingDownloadsTo` for why and when.
 */
export async function uploadsToGoOnWith(state: JournalLocation, source: string): Promise<{ unfinished: PendingUpload[]; failed: PendingUpload[] }> {
  const [found] = await readJournal(state, (db) => [{ unfinished: journalUploadsOf(db, source), failed: journalRetriableUploadsOf(db, source) }]);
  return found ?? { unfinished: [], failed: [] };
}

/** The state database the storage client is about to open, and the protocol it will open it as. */
export interface JournalLocation {
  readonly path: string;
  readonly protocol: number;
  readonly logger?: OpenStateOptions["logger"];
  /** Stops a migration of the state (rolled back, E_STATE_ABORTED), or the wait for another process's. */
  readonly signal?: AbortSignal;
}

async function readJournal<T>(location: JournalLocation, read: (db: StateHandle["db"]) => T[]): Promise<T[]> {
  // No state yet: nothing was ever started here.
  if (!existsSync(location.path)) return [];
  // Opened exactly as the client's start() is about to (migrating a file behind this level), so nothing is refused here that the client would accept.
  const state = await openState({
    path: location.path,
    level: profileFor(location.protocol).stateLevel,
    ...(location.logger === undefined ? {} : { logger: location.logger }),
    ...(location.signal === undefined ? {} : { signal: location.signal }),
  });
  try {
    return read(state.db);
  } finally {
    state.close();
  }
}
