import { unlink } from "node:fs/promises";
import { truncateWal } from "../state/index.js";
import type { ClientContext } from "./client-context.js";
import type { DownloadJobRow } from "./journal/download-journal.js";
import { releaseSpool } from "./upload/spool-pin.js";

export interface ForgottenJobs {
  readonly uploads: number;
  readonly downloads: number;
}

/**
 * Forgets jobs that ended more than `keptMs` ago, so the journal does not grow with every file a
 * user ever sent or received, and the keys of uploads nobody will retry or renew leave the
 * database, its free space and its -wal included. Kept regardless of age: unfinished jobs, done
 * uploads a message still refers to (their pieces are renewed from the row), and jobs `isLive`
 * names (a handle this client still settles).
 * A forgotten failed upload gives its spooled source back to the quota; a forgotten failed or
 * cancelled download loses its temp file first. Downloaded files and stored pieces stay.
 */
export async function forgetEndedJobs(ctx: ClientContext, keptMs: number, isLive: (id: string) => boolean): Promise<ForgottenJobs> {
  const at = ctx.clock.now();
  const cutoff = at - keptMs;
  // The application may retry a failed download while the temp files below are removed: such a
  // job is live again (a handle, a new state) and keeps its temp file and its row.
  const stillEnded = (row: DownloadJobRow): boolean => {
    const now = ctx.downloads.get(row.id);
    return !isLive(row.id) && now?.state === row.state && now.updated_at === row.updated_at;
  };
  const downloads = ctx.downloads.endedBefore(cutoff).filter((row) => !isLive(row.id));
  const forgettable: DownloadJobRow[] = [];
  for (const row of downloads) {
    if (!stillEnded(row)) continue;
    // A row goes only once its temp file is gone, so no crash leaves a file nothing would remove.
    if (row.state === "done" || (await unlink(row.temp_path).then(() => true, (error: NodeJS.ErrnoException) => error.code === "ENOENT"))) {
      // A failed download's temp file kept for a resume counted under the quota (kept-parts.ts) until now.
      ctx.cache.dropPart(row.id);
      forgettable.push(row);
    }
  }
  // A piece's store counts only with an expiry renewal trusts (renewDue's bound, availability-journal.ts dueBefore).
  const uploads = ctx.uploads.endedBefore(cutoff, at + ctx.ttlMs + ctx.renewBeforeMs).filter((row) => !isLive(row.id));
  ctx.db.transaction(() => {
    for (const row of forgettable) if (stillEnded(row)) ctx.downloads.remove(row.id);
    for (const row of uploads) {
      ctx.uploads.remove(row.id);
      // A failed upload pinned its spooled source for a retry that will not come now.
      releaseSpool(ctx, row.id, row.source_path);
    }
    ctx.availability.dropOrphans();
    ctx.uploads.dropOrphanRunSettings();
  })();
  if (forgettable.length + uploads.length > 0) ctx.log.info({ uploads: uploads.length, downloads: forgettable.length, keptMs }, "forgot ended jobs");
  // The deleted rows' bytes are zeroed in the database (secure_delete, set by openState), but the
  // -wal still holds the frames that wrote them when the jobs were journaled, as it holds a key a
  // job's first run replaced (UploadJournal.recordFirstRun): emptied at each check, not only when
  // something was forgotten. Not a failure of the check when it cannot be done now (another
  // connection reading, a disk error): the next check tries again, and the last connection to
  // close deletes the -wal.
  try {
    if (!truncateWal(ctx.db)) ctx.log.debug("the state's -wal is in use by another connection: not emptied by this check");
  } catch (error) {
    ctx.log.warn({ code: (error as { code?: unknown } | null)?.code }, "could not empty the state's -wal");
  }
  return { uploads: uploads.length, downloads: forgettable.length };
}
