import type { Logger } from "../obs/index.js";
import type { StateHandle } from "../state/index.js";
import type { Reservation } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import type { ClientLock } from "./client-lock.js";
import type { ClientSettings } from "./client-settings.js";
import { DestinationTurns } from "./download/destination-turns.js";
import type { FetchResult } from "./download/run-download.js";
import { JobMachine } from "./job-machine.js";
import type { JobQueue } from "./job-queue.js";
import type { JobKind, JobState } from "./journal/job-states.js";
import type { UnendedRuns } from "./journal/unended-runs.js";
import type { Slots } from "./slots.js";
import type { LanedSlots } from "./small-jobs.js";
import type { EndpointFailureMemory } from "./retry/index.js";
import { StorageError } from "./storage-error.js";
import type { TransferJob } from "./transfer-job.js";
import type { ShareResult } from "./upload/run-upload.js";

export type AnyJob = TransferJob<ShareResult> | TransferJob<FetchResult>;

export type ClientPhase = "new" | "starting" | "started" | "stopped";

/**
 * One storage client's live state from construction to stop, in one explicit object: the
 * StorageClient facade owns it, and start-up, intake, the runs, cancel/retry, renewal and stop are
 * plain functions taking it. Fields set at start stay undefined before.
 */
export interface ClientSession {
  readonly protocol: number;
  readonly mode: "full" | "light";
  readonly log: Logger;
  /** The facade's cancel(id), which every handle this client makes calls. */
  readonly cancel: (id: string) => void;
  phase: ClientPhase;
  ctx: ClientContext | undefined;
  state: StateHandle | undefined;
  /** This client's hold on its data directory and state database, from start to stop. */
  lock: ClientLock | undefined;
  /** The checked numeric options, from start() on. */
  settings: ClientSettings | undefined;
  uploadQueue: JobQueue | undefined;
  downloadQueue: JobQueue | undefined;
  /** Runs that started and have not ended, per job: a job whose runs keep ending with the process is failed, not resumed (E_CRASH_LOOP). */
  runs: UnendedRuns | undefined;
  readonly handles: Map<string, AnyJob>;
  readonly reservations: Map<string, Reservation>;
  /** One download run at a time per destination (an out) and per cached file and reference (other references of the content run beside it): the later one waits, then finds the file or takes over. */
  readonly destinations: DestinationTurns;
  readonly spooling: Set<Promise<void>>;
  /** Cache hits being hashed before they are served; stop() lets them settle before it stops the hashing worker and closes the journal. */
  readonly checkingHits: Set<Promise<void>>;
  /** Status probes asking the endpoints; stop() aborts them and lets them settle before it returns. */
  readonly probes: Set<Promise<void>>;
  /** Clean-ups of jobs cancelled while not running (temp file, pieces, spool pin); stop() waits for them before it closes the journal. */
  readonly cleaning: Set<Promise<void>>;
  /** Shares of bytes still being spooled (no journal row yet), and whether they were cancelled meanwhile. */
  readonly spoolingShares: Map<string, { cancelled: boolean; readonly turn: AbortController }>;
  /** Cache hits being checked (not journaled), by job id: how to cancel each. */
  readonly cacheChecks: Map<string, () => void>;
  /** How runs ended that the journal refused to record (a full disk): their rows still say they run. job(id), jobs() and retry() go by this. */
  readonly unrecorded: Map<string, StorageError>;
  readonly stopController: AbortController;
  /** Streamed fetches reading at once, client-wide (a stream holds its slot until it ends, fails or is returned). */
  streamSlots: Slots | undefined;
  /** Cache hits hashed at once, client-wide (jobsInFlight, and one more for a small file: LanedSlots): each holds a descriptor and 2 MiB of reads until its digest is known. */
  hitSlots: LanedSlots | undefined;
  /** share({ bytes }) spool writes at once, client-wide (jobsInFlight, and one more for a small file: LanedSlots): each holds its temp file open and fsyncs it. */
  spoolSlots: LanedSlots | undefined;
  /** Bytes of piece buffers every transfer together may hold (transferMemoryBytes), taken by each run and stream before it starts. */
  memory: Slots | undefined;
  renewTimer: NodeJS.Timeout | undefined;
  /** A light client's endpoint failures kept in its state database (retry/endpoint-failure-memory.ts); stopped before the state closes. */
  failureMemory: EndpointFailureMemory | undefined;
  /** The latest background run (the start's, the timer's, a retain's): waiting for its turn, or under way. */
  renewing: Promise<unknown> | undefined;
  /** Whether that run has listed the pieces due (renewDue lists them as it begins). */
  renewingListed: boolean;
  /** Settles once every renewal run started so far has (they run one after another). */
  renewTail: Promise<unknown>;
}

export function newClientSession(protocol: number, mode: "full" | "light", log: Logger, cancel: (id: string) => void): ClientSession {
  return {
    protocol,
    mode,
    log,
    cancel,
    phase: "new",
    ctx: undefined,
    failureMemory: undefined,
    state: undefined,
    lock: undefined,
    settings: undefined,
    uploadQueue: undefined,
    downloadQueue: undefined,
    runs: undefined,
    handles: new Map(),
    reservations: new Map(),
    destinations: new DestinationTurns(),
    spooling: new Set(),
    checkingHits: new Set(),
    probes: new Set(),
    cleaning: new Set(),
    spoolingShares: new Map(),
    cacheChecks: new Map(),
    unrecorded: new Map(),
    stopController: new AbortController(),
    streamSlots: undefined,
    hitSlots: undefined,
    spoolSlots: undefined,
    memory: undefined,
    renewTimer: undefined,
    renewing: undefined,
    renewingListed: false,
    renewTail: Promise.resolve(),
  };
}

/** The started client's context; E_CLIENT_CLOSED before start() and after stop(). */
export function startedContext(session: ClientSession): ClientContext {
  if (session.phase !== "started" || session.ctx === undefined) {
    throw new StorageError("E_CLIENT_CLOSED", session.phase === "stopped" ? "the storage client is stopped" : "the storage client is not started; call start() first");
  }
  return session.ctx;
}

/** The job's state machine, telling its live handle (if any) and the crash-loop count of every move. */
export function jobMachine(session: ClientSession, kind: JobKind, id: string): JobMachine {
  const ctx = startedContext(session);
  const job = session.handles.get(id) as TransferJob<unknown> | undefined;
  return new JobMachine(kind, id, kind === "upload" ? ctx.uploads : ctx.downloads, {
    clock: ctx.clock,
    metrics: ctx.metrics,
    log: ctx.log,
    ...(job === undefined ? {} : { job }),
    ...(session.runs === undefined ? {} : { runs: session.runs }),
  });
}

/** This run's handle is done with; a newer one (a retry's) stays. */
export function forgetHandle(session: ClientSession, id: string, job: AnyJob): void {
  if (session.handles.get(id) === job) session.handles.delete(id);
}

/**
 * The stop's E_CLIENT_CLOSED for work that is not journaled (a cache hit being checked, a stream, a
 * status probe): the stop's own message says the job stays in the journal and resumes on the next
 * start, which such work does not; the application has to ask again.
 */
export function stoppedUnjournaled(what: string, cause: unknown): StorageError {
  return new StorageError("E_CLIENT_CLOSED", `the storage client was stopped during ${what}, which is not journaled and does not resume: ask again once a client is started`, { cause });
}

/** A journal state a run may start from (or resume). */
export function runnable(state: JobState | undefined): boolean {
  return state === "queued" || state === "uploading" || state === "downloading";
}

/** Best effort: the journal that just refused a write may refuse this one too. */
export function tryRelease(release: () => void): void {
  try {
    release();
  } catch {
    // The pin stays; a later upload of the same file ends and releases it.
  }
}
