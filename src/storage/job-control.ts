import { jobMachine, startedContext, type AnyJob, type ClientSession } from "./client-session.js";
import { cleanUpEndedJob } from "./job-cleanup.js";
import { CANCELLED } from "./job-errors.js";
import { jobHandle } from "./job-lookup.js";
import { illegalMove, type JobKind } from "./journal/job-states.js";
import { StorageError } from "./storage-error.js";

/** Cancels a job for good (journal state `cancelled`); its `done` rejects with E_ABORTED. */
export function cancelJob(session: ClientSession, id: string): void {
  const ctx = startedContext(session);
  const spooling = session.spoolingShares.get(id);
  if (spooling !== undefined) {
    spooling.cancelled = true;
    // Still waiting its turn: it never writes the bytes it will not send (one being written finishes first).
    spooling.turn.abort(CANCELLED);
    return;
  }
  const cacheCheck = session.cacheChecks.get(id);
  if (cacheCheck !== undefined) return cacheCheck();
  const upload = ctx.uploads.get(id);
  const state = upload?.state ?? ctx.downloads.get(id)?.state;
  const kind: JobKind | undefined = upload !== undefined ? "upload" : state !== undefined ? "download" : undefined;
  if (kind === undefined) throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
  const queue = kind === "upload" ? session.uploadQueue : session.downloadQueue;
  // A running job cancels itself when its signal fires (see settleFailure); a run that has
  // already failed and is only winding down (its job may even be queued again) will not.
  const taken = queue?.abort(id, CANCELLED);
  if (taken === "active" && (state === "uploading" || state === "downloading")) return;
  const machine = jobMachine(session, kind, id);
  try {
    machine.cancel();
  } catch (error) {
    // Not recorded (the journal refused the write): nothing changed, so a job taken out of the queue
    // (or queued again while its last run winds down) waits its turn again.
    if (taken === "waiting" || (taken === "active" && state === "queued")) queue?.enqueue(id);
    throw error;
  }
  session.unrecorded.delete(id);
  const cleaning = cleanUpEndedJob(session, kind, id).finally(() => session.cleaning.delete(cleaning));
  session.cleaning.add(cleaning);
  session.handles.get(id)?.reject(CANCELLED);
  session.handles.delete(id);
}

/** Runs a failed job again (see StorageClient.retry). */
export function retryJob(session: ClientSession, id: string): AnyJob {
  const ctx = startedContext(session);
  const kind: JobKind | undefined = ctx.uploads.get(id) !== undefined ? "upload" : ctx.downloads.get(id) !== undefined ? "download" : undefined;
  if (kind === undefined) throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
  const ended = session.unrecorded.get(id);
  if (ended === CANCELLED) throw illegalMove(kind, id, "queued", "cancelled");
  // Its failure was never journaled (a full disk): the row still says it runs, and a run starts from there.
  if (ended !== undefined) session.unrecorded.delete(id);
  else jobMachine(session, kind, id).requeue();
  const handle = jobHandle(session, id);
  (kind === "upload" ? session.uploadQueue : session.downloadQueue)?.enqueue(id);
  return handle;
}
