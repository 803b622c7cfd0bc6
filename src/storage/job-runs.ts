import { contentCidIn } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import { forgetHandle, jobMachine, runnable, tryRelease, type AnyJob, type ClientSession } from "./client-session.js";
import { keepsPiecesForResume } from "./download/reopen-temp.js";
import { copyKey } from "./download/copy-key.js";
import type { DestinationTurn } from "./download/destination-turns.js";
import { placedBefore } from "./download/placed-before.js";
import { discardTemp, runDownload, type FetchResult } from "./download/run-download.js";
import { handleFromDownloadRow, handleFromUploadRow, progressOf } from "./job-handles.js";
import { asStorageError, CANCELLED, closedUnderRun } from "./job-errors.js";
import { cleanUpEndedJob } from "./job-cleanup.js";
import { keepPartLeft } from "./kept-parts.js";
import type { JobMachine } from "./job-machine.js";
import type { Park, Settle, TakeTurn } from "./job-queue.js";
import type { DownloadJobRow } from "./journal/download-journal.js";
import type { JobKind, JobState } from "./journal/job-states.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { inRealFolders } from "./real-folders.js";
import { decodeReference } from "./reference-codec.js";
import type { FileReference } from "../wire/index.js";
import { linkedSignal, type LinkedSignal } from "./retry/index.js";
import type { Slots } from "./slots.js";
import { downloadMemoryBytes, uploadMemoryBytes } from "./transfer-memory.js";
import type { TransferJob } from "./transfer-job.js";
import { readCachedCopyOfLostSpool } from "./upload/lost-spool-source.js";
import { runUpload, type ShareResult } from "./upload/run-upload.js";

/** What a kind's work gets from the run around it. */
interface JobRun<Row, Result> {
  readonly ctx: ClientContext;
  readonly row: Row;
  readonly job: TransferJob<Result>;
  readonly machine: JobMachine;
  /** The queue's signal with the job's deadline. */
  readonly signal: AbortSignal;
  /** Takes the run's piece buffers out of the client's transfer memory; given back once the run ends. */
  memory(bytes: number): Promise<void>;
  /** A wait on the queue's signal that is not the transfer's time: the deadline is paused meanwhile. */
  untimed<T>(wait: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A wait on another run that holds no queue slot meanwhile (JobQueue's Park). */
  readonly park: Park;
  /** Before each attempt: a stalled run gives its slot to a waiting job (JobQueue's TakeTurn). */
  readonly turn: TakeTurn;
}

/** One kind of job as its queue runs it: its journal row, its handle, and the work between them. */
interface KindRun<Row extends { readonly state: JobState }, Result> {
  readonly kind: JobKind;
  row(ctx: ClientContext): Row | undefined;
  handle(row: Row): TransferJob<Result>;
  /** Runs the job until the journal says done, and gives its result. */
  work(run: JobRun<Row, Result>): Promise<Result>;
  /** Once the run is over, however it ended (its failure recorded, its memory given back). */
  ended?(): void;
}

/** The upload queue's run of one job: its journal row run to the end, its handle settled, its failure recorded. */
export function runUploadJob(session: ClientSession, id: string, signal: AbortSignal, lane: boolean, park: Park, turn: TakeTurn): Promise<Settle | undefined> {
  return runJob<UploadJobRow, ShareResult>(session, id, signal, lane, park, turn, {
    kind: "upload",
    row: (ctx) => ctx.uploads.get(id),
    handle: (row) => handleFromUploadRow(session, row) as TransferJob<ShareResult>,
    async work({ ctx, row, job, machine, signal: deadline, memory }) {
      await memory(uploadMemoryBytes(row, ctx.piecesInFlight));
      // Its spool write lost (retry() of one failed so): the received file of those bytes, when the cache has one.
      return runUpload(ctx, await readCachedCopyOfLostSpool(ctx, row, deadline), machine, job, deadline);
    },
  });
}

/** The download queue's run of one job: its journal row run to the end, its handle settled, its failure recorded. */
export function runDownloadJob(session: ClientSession, id: string, signal: AbortSignal, lane: boolean, park: Park, queueTurn: TakeTurn): Promise<Settle | undefined> {
  let turn: DestinationTurn | undefined;
  return runJob<DownloadJobRow, FetchResult>(session, id, signal, lane, park, queueTurn, {
    kind: "download",
    row: (ctx) => ctx.downloads.get(id),
    handle: (row) => handleFromDownloadRow(session, row) as TransferJob<FetchResult>,
    async work({ ctx, row, job, machine, signal: deadline, memory, untimed, park: parked, turn: slotTurn }) {
      const { view } = decodeReference(row.file_reference, session.protocol);
      const cacheCid = contentCidIn(ctx.dirs.cache, row.dest_path);
      // Another run writing to the same file (the same reference into the cache, or the same out) is
      // waited for before any room, memory or temp file is taken, without a queue slot (it may be a
      // whole download: unrelated jobs run meanwhile); the content's name stays out of the message.
      // Another reference of the same content is not waited for: it may never finish (its pieces hang).
      const waiting = `download ${id} (waiting for another download to ${cacheCid === undefined ? row.dest_path : "the same cached file"} to end)`;
      const copy = cacheCid === undefined ? "" : copyKey(view);
      turn = await untimed((queue) => session.destinations.take(inRealFolders(row.dest_path), copy, queue, waiting, parked));
      const placed = await placedBefore(ctx, row, view, cacheCid, turn.waited, deadline);
      if (placed !== undefined) return endedWithoutFetch(ctx, row, view, machine, job, placed);
      if (cacheCid !== undefined) {
        // Room other downloads hold is waited for, and that wait is not this transfer's time (as memory's below).
        // The lane's small job may take free room past a larger one waiting (CacheStore.reserveOrWait), as it takes memory.
        const what = `download ${id} (waiting for room under the storage quota)`;
        const keptBefore = ctx.cache.lookup(cacheCid) !== undefined;
        // Its temp file kept from an earlier run (keepPart) counts until this room, which covers it, is reserved.
        // Room of its own: a download by another reference of the content (or a share spooling it) writes a file of its own beside this one's temp file.
        session.reservations.set(id, await untimed((queue) => ctx.cache.reserveWhenFree(view.plaintextSize, cacheCid, queue, what, lane, id, true)));
        // The other reference's download placed the content while this one waited for room: served as a hit.
        const placedMeanwhile = keptBefore || ctx.cache.lookup(cacheCid) === undefined ? undefined : await placedBefore(ctx, row, view, cacheCid, false, deadline);
        if (placedMeanwhile !== undefined) return endedWithoutFetch(ctx, row, view, machine, job, placedMeanwhile);
      }
      await memory(downloadMemoryBytes(view, ctx.maxPieceBytes, ctx.piecesInFlight));
      const downloaded = await runDownload(ctx, row, view, machine, job, deadline, slotTurn);
      let result = downloaded;
      machine.finish((at) =>
        ctx.db.transaction(() => {
          ctx.downloads.finish(id, at);
          // The same bytes spooled meanwhile for a pending upload stay the content's one file: this copy goes, and that one is handed out.
          if (cacheCid !== undefined) result = { ...downloaded, path: ctx.cache.add(cacheCid, row.dest_path, downloaded.size, false) };
        })(),
      );
      // Counted as the file now (a room shared by the content's jobs stops counting in add()).
      session.reservations.get(id)?.release();
      return result;
    },
    ended() {
      // Before the room is given back, so no waiter is handed the room a temp file left for a resume still takes.
      tryRelease(() => keepPartLeft(session.ctx as ClientContext, id));
      session.reservations.get(id)?.release();
      session.reservations.delete(id);
      // Last: a run waiting for this destination finds this one's temp file gone or counted, and its room given back.
      turn?.release();
    },
  });
}

/**
 * A download whose file was already where it goes (placedBefore): done without a fetch. A temp file
 * and pieces an earlier run of it left are not needed any more (and no longer count under the quota).
 */
async function endedWithoutFetch(ctx: ClientContext, row: DownloadJobRow, view: FileReference, machine: JobMachine, job: TransferJob<FetchResult>, placed: FetchResult): Promise<FetchResult> {
  machine.start();
  await discardTemp(row);
  ctx.downloads.forgetPieces(row.id);
  ctx.cache.dropPart(row.id);
  const pieces = view.pieces.length;
  job.setProgress(progressOf(pieces, pieces, view.plaintextSize, view.plaintextSize));
  machine.finish((at) => ctx.downloads.finish(row.id, at));
  return placed;
}

/**
 * A queue's run of one job of either kind: its journal row run to the end, its failure recorded, and
 * whatever the run held (transfer memory, its deadline) given back. It gives back how to settle its
 * handle, which the queue does once it counts the run as ended (JobQueue's Settle): an application
 * awaiting `done` then reads the queue's gauges without this run, and finds its slot free.
 */
async function runJob<Row extends { readonly state: JobState }, Result>(session: ClientSession, id: string, signal: AbortSignal, lane: boolean, park: Park, turn: TakeTurn, kind: KindRun<Row, Result>): Promise<Settle | undefined> {
  // Its turn came as the client began to stop: the job stays in the journal for the next start.
  if (session.phase !== "started") return;
  const ctx = session.ctx as ClientContext;
  const row = kind.row(ctx);
  // Cancelled or settled while it waited its turn: nothing to run.
  if (row === undefined || !runnable(row.state)) return;
  const job = kind.handle(row);
  // The same object as the session's handle for the job: TransferJob<Result> is one of AnyJob's members.
  const handle = job as unknown as AnyJob;
  const machine = jobMachine(session, kind.kind, id);
  const deadline = linkedSignal(signal, ctx.policy.deadlineMs, `${kind.kind} ${id}`, ctx.timers);
  let memory: (() => void) | undefined;
  let settle: Settle;
  try {
    const result = await kind.work({
      ctx,
      row,
      job,
      machine,
      signal: deadline.signal,
      memory: async (bytes) => {
        memory = await transferMemory(session, deadline, signal, `${kind.kind} ${id}`, bytes, lane);
      },
      untimed: async (wait) => {
        deadline.pause();
        const value = await wait(signal);
        deadline.resume();
        return value;
      },
      park,
      turn,
    });
    forgetHandle(session, id, handle);
    settle = () => job.resolve(result);
  } catch (error) {
    // Before the journal says failed: a retry asked for from then on gets a handle of its own.
    forgetHandle(session, id, handle);
    const reason = await settleFailure(session, kind.kind, id, machine, error, signal);
    settle = () => handle.reject(reason);
  } finally {
    memory?.();
    kind.ended?.();
    deadline.dispose();
    runEnded(session, id);
  }
  return settle;
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

/**
 * Where a failed run goes: stopping keeps the journal row for the next start; a cancel or a real
 * failure is written. Gives the error its handle is to be rejected with.
 */
async function settleFailure(session: ClientSession, kind: JobKind, id: string, machine: JobMachine, error: unknown, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted && signal.reason !== CANCELLED) return signal.reason;
  // On a full disk the journal may refuse these writes too: the row then stays as it was (the job
  // resumes on the next start), the temp file still goes, and the caller still hears of the outcome.
  const cancelled = signal.aborted;
  const typed = cancelled ? undefined : asStorageError(error);
  // Its backend was closed under it as the client stops (an app closing its store first): kept, as a stop keeps it, to resume on the next start.
  if (typed?.code === "E_CLIENT_CLOSED" && session.phase !== "started") return typed;
  // Closed under the running client: failed, so the handle ends and retry() runs it; the next start resumes it (closedOutJobs), a download from its temp file.
  const closedOut = typed?.code === "E_CLIENT_CLOSED";
  const failure = closedOut ? closedUnderRun(kind, id, typed) : typed;
  try {
    if (failure === undefined) machine.cancel();
    else machine.fail(failure.code, failure.message, failure);
  } catch (journalError) {
    const code = asStorageError(journalError).code;
    session.log.warn({ job: id, kind, code }, "the journal could not record how a job ended");
    // Refused (a full disk), not a move the row had already made (a cancel recorded while the run wound down).
    if (code === "E_LOCAL_IO") session.unrecorded.set(id, failure ?? CANCELLED);
  }
  // A failure that keeps the download's pieces for a resume leaves nothing to clean up; its row may
  // already be queued again by a retry() from the `failed` state event (told as the row was written),
  // which the clean-up would take for a failure to discard: the retry fetched the whole file again.
  const keepsPieces = failure !== undefined && kind === "download" && keepsPiecesForResume({ state: "failed", last_error: `${failure.code}: ${failure.message}` });
  if (!closedOut && !keepsPieces) await cleanUpEndedJob(session, kind, id);
  return failure ?? CANCELLED;
}
