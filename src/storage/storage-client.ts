import { setMaxListeners } from "node:events";
import { componentLogger, Metrics, silentLogger, type Logger } from "../obs/index.js";
import { clientProfile } from "./client-profile.js";
import { checkQuota } from "./client-settings.js";
import type { FileStatus } from "./availability/file-status.js";
import type { RenewReport } from "./availability/renew-pieces.js";
import type { StorageBackend } from "./backend.js";
import type { ClientContext } from "./client-context.js";
import type { QuotaUsage } from "./cache-store.js";
import { CLIENT_OPTIONS, type StorageClientOptions } from "./client-options.js";
import { checkCallOptions } from "./call-options.js";
import { refuseNonObjectOptions } from "./object-options.js";
import { newClientSession, startedContext, type AnyJob, type ClientPhase, type ClientSession } from "./client-session.js";
import { startSession } from "./client-start.js";
import { stopSession } from "./client-stop.js";
import type { FetchResult } from "./download/run-download.js";
import { fetchFile, type FetchOptions } from "./fetch-intake.js";
import { asStorageError } from "./job-errors.js";
import { cancelJob, retryJob } from "./job-control.js";
import { jobHandle, jobSummaries, pendingDownloadTo, pendingUploadOf, type JobSummary } from "./job-lookup.js";
import { modeOf, refuseDuplicateEndpoints, refuseLocalStorage, refuseNonBackends, refuseUnknownEndpointOrder, refuseUnusablePaths } from "./constructor-checks.js";
import { checkJobId } from "./job-id.js";
import { keysOf, optionsObject } from "./option-keys.js";
import { decodeReference, type ReferenceInput } from "./reference-codec.js";
import { retainPieces } from "./availability/retain-pieces.js";
import { renewInTurn, renewRetained } from "./renewal-schedule.js";
import { clientClosedReason, DEFAULT_RETRY_POLICY, EndpointPool } from "./retry/index.js";
import { shareFile, type ShareInput } from "./share-intake.js";
import { checkStatus } from "./status-check.js";
import { StorageError } from "./storage-error.js";
import { fetchAsStream } from "./streamed-fetch.js";
import type { TransferJob } from "./transfer-job.js";
import type { ShareResult } from "./upload/run-upload.js";

export type { ShareInput } from "./share-intake.js";
export type { FetchOptions } from "./fetch-intake.js";
export type { JobSummary } from "./job-lookup.js";

/** status()'s options: `probe` asks the endpoints whether every piece is still there; `signal` gives up that probe (E_ABORTED). */
export interface StatusOptions {
  readonly probe?: boolean;
  readonly signal?: AbortSignal;
}

/** fetchStream()'s options: `signal` ends the stream (the next read fails). */
export interface FetchStreamOptions {
  readonly signal?: AbortSignal;
}

/** renewDue()'s options: `signal` gives up the run, or its wait for the run under way (E_ABORTED); what it did not renew stays due. */
export interface RenewDueOptions {
  readonly signal?: AbortSignal;
}

const STATUS_OPTIONS = keysOf<StatusOptions>()({ probe: true, signal: true });
const FETCH_STREAM_OPTIONS = keysOf<FetchStreamOptions>()({ signal: true });
const RENEW_DUE_OPTIONS = keysOf<RenewDueOptions>()({ signal: true });
/** Why start() refuses, and what to do instead: a client starts once (a start that failed leaves it new). */
const NOT_NEW: Record<Exclude<ClientPhase, "new">, string> = {
  starting: "its start() is under way: await that one",
  started: "it is already started",
  stopped: "it was stopped, and a client starts once: make a new one (StorageClient.open(options)) on the same options",
};
/** Every field of the policy can be given (light mode's defaults have the same fields). */
const RETRY_OPTIONS: readonly string[] = Object.freeze(Object.keys(DEFAULT_RETRY_POLICY));

/**
 * The storage client: shares files as encrypted, pieced FileReferences and fetches them back,
 * verified, through a persistent background queue journaled in the state database. Construct it
 * for one protocol profile (2 or 3): it writes and reads exactly as that release does.
 *
 *   const client = await StorageClient.open({ protocol: 3, backend, statePath, dataDir });
 *   const job = client.share({ path: "photo.jpg" });     // returns at once
 *   job.on("progress", (p) => …);
 *   const { reference } = await job.done;                 // FileReference bytes for the chat message
 *   const got = await client.fetch(reference, { out: "copy.jpg" }).done;
 *   await client.stop();
 */
export class StorageClient {
  readonly protocol: number;
  readonly mode: "full" | "light";
  readonly metrics: Metrics;
  private readonly options: StorageClientOptions;
  private readonly log: Logger;
  private readonly pool: EndpointPool;
  /** Everything the client's parts share from start to stop (client-session.ts); start-up, intake, runs, cancel/retry and stop take it explicitly. */
  private readonly session: ClientSession;
  /** Settles once start() has (either way). */
  private starting: Promise<void> = Promise.resolve();
  /** The stop under way (or done), once stop() began stopping a started client. */
  private stopping: Promise<void> | undefined;

  constructor(options: StorageClientOptions) {
    // Before anything reads them: a misspelt key (quota, retries) ran the client on the default.
    options = optionsObject("the storage client", options, CLIENT_OPTIONS);
    if (options.retry !== undefined && options.retry !== null) optionsObject("the storage client's retry policy", options.retry, RETRY_OPTIONS);
    const profile = clientProfile(options);
    if (!profile.writes("file-reference")) {
      throw new StorageError("E_UNSUPPORTED", `protocol ${options.protocol} (release ${profile.release.release}) has no file references; use protocol 2 or later`, {
        details: { protocol: options.protocol },
      });
    }
    this.protocol = options.protocol;
    this.mode = modeOf(options.mode);
    refuseNonBackends(options);
    refuseUnknownEndpointOrder(options.endpointOrder);
    if (this.mode === "light") refuseLocalStorage(options);
    const endpoints: StorageBackend[] =
      this.mode === "light" ? [...(options.endpoints ?? [])] : [...(options.backend === undefined ? [] : [options.backend]), ...(options.endpoints ?? [])];
    if (endpoints.length === 0) {
      throw new StorageError(
        "E_UNSUPPORTED",
        this.mode === "light" ? "light mode needs at least one remote endpoint (options.endpoints)" : "the storage client needs a backend (options.backend)",
        { details: { option: this.mode === "light" ? "endpoints" : "backend" } },
      );
    }
    refuseDuplicateEndpoints(
      endpoints.map((backend, i) => ({ entry: this.mode === "full" && options.backend !== undefined ? (i === 0 ? "backend" : `endpoints[${i - 1}]`) : `endpoints[${i}]`, backend })),
    );
    if (options.state === undefined && options.statePath === undefined) {
      throw new StorageError("E_UNSUPPORTED", "the storage client needs its state database (options.state or options.statePath)", { details: { option: "statePath" } });
    }
    refuseUnusablePaths(options);
    refuseNonObjectOptions(options);
    this.pool = new EndpointPool(endpoints);
    this.options = options;
    this.metrics = options.metrics ?? new Metrics();
    this.log = componentLogger(options.logger ?? silentLogger(), "storage.client");
    this.session = newClientSession(this.protocol, this.mode, this.log, (id) => this.cancel(id));
    // Every job and stream links its signal to the stop signal, as many at once as the application runs: by design, not a leak.
    setMaxListeners(0, this.session.stopController.signal);
  }

  /** The started client's context (undefined before start); tests and the bench read it through a cast. */
  private get ctx(): ClientContext | undefined {
    return this.session.ctx;
  }

  /** Shares of bytes still being spooled; tests read it through a cast (test/storage/support/client-fixture.ts). */
  private get spoolingShares(): ClientSession["spoolingShares"] {
    return this.session.spoolingShares;
  }

  /** A started client. */
  static async open(options: StorageClientOptions): Promise<StorageClient> {
    const client = new StorageClient(options);
    await client.start();
    return client;
  }

  /**
   * Locks the data directory and state database (E_BUSY while another started client holds
   * either; released by stop(), a failed start, or the process's death), opens the journal and
   * resumes every unfinished job (at the first piece not yet journaled).
   */
  start(): Promise<void> {
    if (this.session.phase !== "new") return Promise.reject(new StorageError("E_UNSUPPORTED", `the storage client cannot start: ${NOT_NEW[this.session.phase]}`));
    const run = startSession(this.session, this.options, this.pool, this.metrics);
    // stop() called meanwhile waits for this, then stops what it started.
    this.starting = run.catch(() => undefined);
    return run;
  }

  /**
   * Shares a file: checks it (size limit, name, MIME type), journals an upload job and returns it at
   * once; the upload runs in the background. `job.done` gives the FileReference bytes.
   */
  share(input: ShareInput): TransferJob<ShareResult> {
    return shareFile(this.session, input);
  }

  /**
   * Fetches a shared file to `options.out` (or into the cache) as a journaled background job that
   * resumes after a crash. The reference is checked at once (E_BAD_REFERENCE, E_FILE_TOO_LARGE).
   */
  fetch(reference: ReferenceInput, options: FetchOptions = {}): TransferJob<FetchResult> {
    return fetchFile(this.session, reference, options);
  }

  /**
   * The verified plaintext as a stream (memory: pieces in flight, not the file). Not journaled.
   * Every yielded byte is authenticated; the stream ends normally only after the whole-file sha256 matched.
   */
  fetchStream(reference: ReferenceInput, options: FetchStreamOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    return fetchAsStream(this.session, reference, checkCallOptions("fetchStream", optionsObject("fetchStream", options, FETCH_STREAM_OPTIONS)));
  }

  /**
   * Whether a shared file is still retrievable: from the journal (our uploads), the reference's
   * expiry (v3), or probing the endpoints (a piece is missing only when every endpoint answered
   * that it lacks it; one that could not be asked makes the probe fail with its typed error).
   */
  async status(reference: ReferenceInput, options: StatusOptions = {}): Promise<FileStatus> {
    return checkStatus(this.session, reference, checkCallOptions("status", optionsObject("status", options, STATUS_OPTIONS)));
  }

  /** No message refers to this file any more: its pieces are no longer renewed (they expire with Codex's TTL). */
  release(reference: ReferenceInput): void {
    const ctx = startedContext(this.session);
    const { pieces } = decodeReference(reference, this.protocol).view;
    try {
      // All or nothing: a journal refusing writes (a full disk) leaves the file referenced, and says so.
      ctx.db.transaction(() => {
        for (const piece of pieces) ctx.availability.reference(piece.cid, false);
      })();
    } catch (error) {
      throw asStorageError(error);
    }
  }

  /**
   * A message refers to this released file again (a delete undone, the message sent again, a
   * re-join): its pieces are renewed again, from the next renewal run, with no upload; one inside
   * the renewal margin by a run that begins at once in the background (after one under way), when
   * the renewal timer is on. E_NOT_FOUND (share it again) when a piece expired since its release or
   * is not from an upload this client keeps; nothing changes then.
   */
  retain(reference: ReferenceInput): void {
    const ctx = startedContext(this.session);
    const { pieces } = decodeReference(reference, this.protocol).view;
    let due: boolean;
    try {
      ({ due } = retainPieces(ctx, pieces.map((piece) => piece.cid)));
    } catch (error) {
      throw asStorageError(error);
    }
    // Inside the renewal margin: renewed by a run that begins now, not the timer's next one, which may come after their expiry.
    if (due) renewRetained(this.session);
  }

  /** Renews referenced uploads whose TTL ends within the margin (the background timer does this too). */
  async renewDue(options: RenewDueOptions = {}): Promise<RenewReport> {
    return renewInTurn(this.session, checkCallOptions("renewDue", optionsObject("renewDue", options, RENEW_DUE_OPTIONS)));
  }

  /** The job's handle: live when it runs in this client, else built from the journal. E_JOB_UNKNOWN otherwise. */
  job(id: string): AnyJob {
    checkJobId("job", id);
    return jobHandle(this.session, id);
  }

  /**
   * The unfinished upload of this file, however its folder is spelled, to wait for it rather than start another: queued,
   * uploading, or failed E_CLIENT_CLOSED with its backend closed under the run (retry() it once the backend is open; the next start resumes it).
   */
  pendingUploadOf(path: string): TransferJob<ShareResult> | undefined {
    return pendingUploadOf(this.session, path);
  }

  /** The unfinished download to this destination, however its folder is spelled, to wait for it rather than start another. */
  pendingDownloadTo(path: string): TransferJob<FetchResult> | undefined {
    return pendingDownloadTo(this.session, path);
  }

  /** Every job in the journal, oldest first. */
  jobs(): JobSummary[] {
    return jobSummaries(this.session);
  }

  /** Cancels a job for good (journal state `cancelled`); its `done` rejects with E_ABORTED. */
  cancel(id: string): void {
    checkJobId("cancel", id);
    cancelJob(this.session, id);
  }

  /**
   * Runs a failed job again. An upload keeps the pieces it stored; a download starts over (its
   * failure removed its temp file, so nothing half-written outlives the job), except one whose
   * backend was closed under it (E_CLIENT_CLOSED), or whose temp file could not be reopened for a
   * passing cause (E_LOCAL_IO, too many files open), which keep the pieces they verified. A job failed
   * E_CRASH_LOOP starts with its count of runs that ended with the process at zero.
   */
  retry(id: string): AnyJob {
    checkJobId("retry", id);
    return retryJob(this.session, id);
  }

  /** Bytes of cached and spooled files against the quota, room reserved, and how many transfers wait for room. */
  usage(): QuotaUsage {
    return startedContext(this.session).cache.usage();
  }

  /**
   * Sets the quota of the client's own files (cached downloads, spooled shares) while it runs, as
   * `quotaBytes` does at start: a settings screen's change applies at once, without a stop and a
   * start (which interrupt the transfers under way). Lowered, least recently used cached files are
   * evicted until what the client keeps fits (pinned ones stay, even over it); raised, transfers
   * waiting for room may take it. For this session only: the next start takes `quotaBytes` (or the
   * `quota_bytes` setting) again. A RangeError, nothing changed, for anything but a positive number.
   */
  setQuota(quotaBytes: number): void {
    const bytes = checkQuota(quotaBytes);
    startedContext(this.session).cache.setQuota(bytes);
  }

  /**
   * Stops every job (their journal rows stay as they are, to resume on the next start), the
   * renewal timer and spooling, and closes the state database if the client opened it. Leaves no
   * timer, socket or file handle behind. Backends passed in are the caller's to close.
   */
  async stop(): Promise<void> {
    // A start's long steps (the hash of a lost spool write's cached copy) end on this signal: an app
    // closed during its start-up waited for the whole hash. Its other steps are short.
    if (this.session.phase === "starting") this.session.stopController.abort(clientClosedReason());
    // Stopped half-way through its start, a client would run on with a closed journal: let the start end first.
    await this.starting;
    // A second call while the first is stopping waits for it too: its caller may start another client on these folders next.
    if (this.stopping !== undefined) return this.stopping;
    if (this.session.phase === "stopped" || this.session.phase === "new") {
      this.session.phase = "stopped";
      return;
    }
    this.session.phase = "stopped";
    this.stopping = stopSession(this.session, this.options.state === undefined);
    return this.stopping;
  }
}

