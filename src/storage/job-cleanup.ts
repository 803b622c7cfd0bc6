import type { ClientContext } from "./client-context.js";
import type { ClientSession } from "./client-session.js";
import { keepsPiecesForResume } from "./download/reopen-temp.js";
import { discardTemp } from "./download/run-download.js";
import { asStorageError } from "./job-errors.js";
import type { JobKind } from "./journal/job-states.js";
import { releaseSpool } from "./upload/spool-pin.js";

/**
 * After a failure or cancel: no partial download stays on disk; a spooled upload may be evicted
 * again. Best effort (it never rejects): the job has ended either way, and a temp file left
 * behind is removed at the next start.
 */
export async function cleanUpEndedJob(session: ClientSession, kind: JobKind, id: string): Promise<void> {
  await tryCleanUp(session.ctx as ClientContext, kind, id).catch((error: unknown) => session.log.warn({ job: id, kind, code: asStorageError(error).code }, "cleaning up an ended job failed"));
}

async function tryCleanUp(ctx: ClientContext, kind: JobKind, id: string): Promise<void> {
  if (kind === "download") {
    const row = ctx.downloads.get(id);
    // Failed for a passing cause (too many files open) with its verified pieces: kept for the resume.
    if (row !== undefined && !keepsPiecesForResume(row)) {
      await discardTemp(row);
      // Counted under the quota while it was kept for a resume (kept-parts.ts): its room is free now.
      ctx.cache.dropPart(id);
      ctx.downloads.forgetPieces(id);
    }
  } else {
    const row = ctx.uploads.get(id);
    // A failed upload may be retried (a resume: its source and identity still matter); a cancelled one never runs again.
    if (row?.state === "cancelled") {
      releaseSpool(ctx, id, row.source_path);
      ctx.uploads.forgetRunIdentity(id);
    }
  }
}
