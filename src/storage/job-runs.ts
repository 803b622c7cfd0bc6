import { contentCidIn } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import { forgetHandle, jobMachine, runnable, tryRelease, type AnyJob, type ClientSession } from "./client-session.js";
import { runDownload, type FetchResult } from "./download/run-download.js";
import { handleFromDownloadRow, handleFromUploadRow } from "./job-handles.js";
import { asStorageError, CANCELLED, closedUnderRun } from "./job-errors.js";
import { cleanUpEndedJob } from "./job-cleanup.js";
import type { JobMachine } from "./job-machine.js";
import type { JobKind } from "./journal/job-states.js";
import { decodeReference } from "./reference-codec.js";
import { linkedSignal, type LinkedSignal } from "./retry/index.js";
import type { Slots } from "./slots.js";
import { downloadMemoryBytes, uploadMemoryBytes } from "./transfer-memory.js";
import type { TransferJob } from "./transfer-job.js";
import { runUpload, type ShareResult } from "./upload/run-upload.js";

/** The upload queue's run of one job: its journal row run to the end, its handle settled, its failure recorded. */
export async function runUploadJob(session: ClientSession, id: string, signal: AbortSignal, lane: boolean): Promise<void> {
  // Its turn came as the client began to stop: the job stays in the journal for the next start.
  if (session.phase !== "started") return;
  const ctx = session.ctx as ClientContext;
  const row = ctx.uploads.get(id);
  // Cancelled or settled while it waited its turn: nothing to run.
  if (row === undefined || !runnable(row.state)) return;
  const job = handleFromUploadRow(session, row) as TransferJob<ShareResult>;
  const machine = jobMachine(session, "upload", id);
  const deadline = linkedSignal(signal, ctx.policy.deadlineMs, `upload ${id}`);
  let memory: (() => void) | undefined;
  try {
    memory = await transferMemory(session, deadline, signal, `upload ${id}`, uploadMemoryBytes(row, ctx.piecesInFlight), lane);
    const result = await runUpload(ctx, row, machine, job, deadline.signal);
    forgetHandle(session, id, job);
    job.resolve(result);
  } catch (error) {
    // Before the journal says failed: a retry asked for from then on gets a handle of its own.
    forgetHandle(session, id, job);
    await settleFailure(session, "upload", id, machine, job, error, signal);
  } finally {
    memory?.();
    deadline.dispose();
    runEnded(session, id);
  }
}

/** The download queue's run of one job: its journal row run to the end, its handle settled, its failure recorded. */
export async function runDownloadJob(session: ClientSession, id: string, signal: AbortSignal, lane: boolean): Promise<void> {
  if (session.phase !== "started") return;
  const ctx = session.ctx as ClientContext;
  const row = ctx.downloads.get(id);
  if (row === undefined || !runnable(row.state)) return;
  const job = handleFromDownloadRow(session, row) as TransferJob<FetchResult>;
  const machine = jobMachine(session, "download", id);
  const deadline = linkedSignal(signal, ctx.policy.deadlineMs, `download ${id}`);
  let memory: (() => void) | undefined;
  try {
    const { view } = decodeReference(row.file_reference, session.protocol);
    const cacheCid = contentCidIn(ctx.dirs.cache, row.dest_path);
    if (cacheCid !== undefined) {
      // Room other downloads hold is waited for, and that wait is not this transfer's time (as memory's below).
      deadline.pause();
      session.reservations.set(id, await ctx.cache.reserveWhenFree(view.plaintextSize, cacheCid, signal, `download ${id} (waiting for room under the storage quota)`));
      deadline.resume();
    }
    memory = await transferMemory(session, deadline, signal, `download ${id}`, downloadMemoryBytes(view, ctx.maxPieceBytes, ctx.piecesInFlight), lane);
    const downloaded = await runDownload(ctx, row, view, machine, job, deadline.signal);
    let result = downloaded;
    machine.finish((at) =>
      ctx.db.transaction(() => {
        ctx.downloads.finish(id, at);
        // The same bytes spooled meanwhile for a pending upload stay the content's one file: this copy goes, and that one is handed out.
        if (cacheCid !== undefined) result = { ...downloaded, path: ctx.cache.add(cacheCid, row.dest_path, downloaded.size, false) };
      })(),
    );
    forgetHandle(session, id, job);
    job.resolve(result);
  } catch (error) {
    forgetHandle(session, id, job);
    await settleFailure(session, "download", id, machine, job, error, signal);
  } finally {
    memory?.();
    session.reservations.get(id)?.release();
    session.reservations.delete(id);
    deadline.dispose();
    runEnded(session, id);
  }
}

/**
 * Takes a run's piece buffers out of the client's transfer memory (transfer-memory.ts), waiting
 * while they do not fit; the wait is not the transfer's time (its deadline is paused meanwhile).
 * The lane's small job takes what is free even while a larger run waits for more (Slots.acquire).
 */
async function transferMemory(session: ClientSession, deadline: LinkedSignal, signal: AbortSignal, what: string, bytes: number, lane: boolean): Promise<() => void> {
  deadline.pause();
  const release = await (session.memory as Slots).acquire(signal, `${what} (waiting for transfer memory)`, bytes, lane);
  deadline.resume();
  return release;
}

/** The run ended in this process, however (done, failed, cancelled, stopped): not a crash, for the crash-loop count. Best effort, as the journal may refuse it. */
function runEnded(session: ClientSession, id: string): void {
  tryRelease(() => session.runs?.ended(id));
}

/**
 * A run that failed before it could start (its journal row could not be read: the state database
 * failed, or was closed under the client): its handle hears why, and the row, as it was, resumes
 * on the next start. Nothing else would have: the queue's run must never reject.
 */
export function runNotStarted(session: ClientSession, id: string, error: unknown): void {
  const typed = asStorageError(error);
  session.log.warn({ job: id, code: typed.code }, "a job could not be started");
  session.handles.get(id)?.reject(typed);
  session.handles.delete(id);
}

/** Where a failed run goes: stopping keeps the journal row for the next start; a cancel or a real failure is written. */
async function settleFailure(session: ClientSession, kind: JobKind, id: string, machine: JobMachine, job: AnyJob, error: unknown, signal: AbortSignal): Promise<void> {
  if (signal.aborted && signal.reason !== CANCELLED) {
    job.reject(signal.reason);
    return;
  }
  // On a full disk the journal may refuse these writes too: the row then stays as it was (the job
  // resumes on the next start), the temp file still goes, and the caller still hears of the outcome.
  const cancelled = signal.aborted;
  const typed = cancelled ? undefined : asStorageError(error);
  // Its backend was closed under it as the client stops (an app closing its store first): kept, as a stop keeps it, to resume on the next start.
  if (typed?.code === "E_CLIENT_CLOSED" && session.phase !== "started") {
    job.reject(typed);
    return;
  }
  // Closed under the running client: failed, so the handle ends and retry() runs it; the next start resumes it (closedOutJobs), a download from its temp file.
  const closedOut = typed?.code === "E_CLIENT_CLOSED";
  const failure = closedOut ? closedUnderRun(kind, id, typed) : typed;
  try {
    if (failure === undefined) machine.cancel();
    else machine.fail(failure.code, failure.message);
  } catch (journalError) {
    const code = asStorageError(journalError).code;
    session.log.warn({ job: id, kind, code }, "the journal could not record how a job ended");
    // Refused (a full disk), not a move the row had already made (a cancel recorded while the run wound down).
    if (code === "E_LOCAL_IO") session.unrecorded.set(id, failure ?? CANCELLED);
  }
  if (!closedOut) await cleanUpEndedJob(session, kind, id);
  job.reject(failure ?? CANCELLED);
}
