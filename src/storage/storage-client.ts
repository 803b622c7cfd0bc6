import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { newStreamParams, sameDigest, sha256, Sha256Offload } from "../crypto/index.js";
import { componentLogger, Metrics, silentLogger, type Logger } from "../obs/index.js";
import { LEVEL1_SQL, openState, type StateHandle } from "../state/index.js";
import { profileFor } from "../versions/index.js";
import { sanitizeFileName, type FileReference } from "../wire/index.js";
import { renewDue, type RenewReport } from "./availability/renew-pieces.js";
import { fileStatus, type FileStatus } from "./availability/file-status.js";
import type { StorageBackend } from "./backend.js";
import { cidOfDigest } from "./content-id.js";
import { CacheStore, contentCidIn, dataDirAsRecorded, type Reservation } from "./cache-store.js";
import { inRealFolders } from "./real-folders.js";
import { lockClient, type ClientLock } from "./client-lock.js";
import type { ClientContext } from "./client-context.js";
import { STORAGE_DEFAULTS, systemClock, type StorageClientOptions } from "./client-options.js";
import { interopWarnings, quotaFromSetting, resolveSettings, type ClientSettings } from "./client-settings.js";
import { checkReceivable, discardTemp, runDownload, type FetchResult } from "./download/run-download.js";
import { fileSha256 } from "./file-digest.js";
import { BufferPool, makeDirectoryDurably } from "./file-io.js";
import { removeEndedDownloadTemps } from "./download/ended-temps.js";
import { FlooredClock } from "./floored-clock.js";
import { slottedStream } from "./download/slotted-stream.js";
import { storeIdentityOf } from "./upload/resume-checks.js";
import { closableStream } from "./download/closable-stream.js";
import { JobMachine } from "./job-machine.js";
import { JobQueue } from "./job-queue.js";
import { AvailabilityJournal } from "./journal/availability-journal.js";
import { CacheJournal } from "./journal/cache-journal.js";
import { DownloadJournal, type DownloadJobRow } from "./journal/download-journal.js";
import { closedOutJobs } from "./journal/pending-jobs.js";
import { UnendedRuns } from "./journal/unended-runs.js";
import { illegalMove, type JobKind, type JobState } from "./journal/job-states.js";
import { UploadJournal, type UploadJobRow } from "./journal/upload-journal.js";
import { guessMime } from "./mime-type.js";
import { plainBytesOf, planOfReference, planPieces, type PiecePlan } from "./piece-plan.js";
import { decodeReference, type ReferenceInput } from "./reference-codec.js";
import { applyEndpointOrder, clientClosedReason, DEFAULT_RETRY_POLICY, EndpointPool, LIGHT_RETRY_POLICY, linkedSignal, resolveRetryPolicy } from "./retry/index.js";
import { forgetEndedJobs } from "./journal-retention.js";
import { sourceOfSharedBytes } from "./shared-bytes-source.js";
import { removeStraySpoolTemps } from "./spool-file.js";
import { Slots } from "./slots.js";
import { smallDownload, smallUpload } from "./small-jobs.js";
import { downloadMemoryBytes, uploadMemoryBytes } from "./transfer-memory.js";
import type { LinkedSignal } from "./retry/index.js";
import { checkEncodable, checkShareable } from "./share-checks.js";
import { asStorageError, CANCELLED, closedUnderRun, errorFromJournal, osErrorAsLocalIo } from "./job-errors.js";
import { raceSignal } from "./abort-error.js";
import { StorageError } from "./storage-error.js";
import { storageMetrics } from "./storage-metrics.js";
import { TransferJob, type TransferProgress } from "./transfer-job.js";
import { runUpload, type ShareResult } from "./upload/run-upload.js";
import { adoptStraySpoolFiles, releaseSpool } from "./upload/spool-pin.js";

/**
 * What to share: a file on disk, or bytes the application holds (spooled to disk so the upload can
 * resume). The bytes are copied after share() returns, in the background: leave them unchanged
 * until the job's `done` settles.
 */
export type ShareInput =
  | { readonly path: string; readonly fileName?: string; readonly mime?: string }
  | { readonly bytes: Uint8Array; readonly fileName: string; readonly mime?: string };

export interface FetchOptions {
  /** Where to write the verified file. Without it the file goes to the client's cache (under the quota). */
  readonly out?: string;
}

export interface JobSummary {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly attempts: number;
  /** `E_CODE: message` of the last failure. */
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

type AnyJob = TransferJob<ShareResult> | TransferJob<FetchResult>;

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
  private ctx: ClientContext | undefined;
  private state: StateHandle | undefined;
  /** This client's hold on its data directory and state database, from start to stop. */
  private lock: ClientLock | undefined;
  private uploadQueue: JobQueue | undefined;
  private downloadQueue: JobQueue | undefined;
  /** Runs that started and have not ended, per job: a job whose runs keep ending with the process is failed, not resumed (E_CRASH_LOOP). */
  private runs: UnendedRuns | undefined;
  private readonly handles = new Map<string, AnyJob>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly spooling = new Set<Promise<void>>();
  /** Cache hits being hashed before they are served; stop() lets them settle before it stops the hashing worker and closes the journal. */
  private readonly checkingHits = new Set<Promise<void>>();
  /** Clean-ups of jobs cancelled while not running (temp file, pieces, spool pin); stop() waits for them before it closes the journal. */
  private readonly cleaning = new Set<Promise<void>>();
  /** Shares of bytes still being spooled (no journal row yet), and whether they were cancelled meanwhile. */
  private readonly spoolingShares = new Map<string, { cancelled: boolean; readonly turn: AbortController }>();
  /** Cache hits being checked (not journaled), by job id: how to cancel each. */
  private readonly cacheChecks = new Map<string, () => void>();
  /** How runs ended that the journal refused to record (a full disk): their rows still say they run. job(id), jobs() and retry() go by this. */
  private readonly unrecorded = new Map<string, StorageError>();
  private readonly stopController = new AbortController();
  /** Streamed fetches reading at once, client-wide (a stream holds its slot until it ends, fails or is returned). */
  private streamSlots: Slots | undefined;
  /** Cache hits hashed at once, client-wide (jobsInFlight): each holds a descriptor and 2 MiB of reads until its digest is known. */
  private hitSlots: Slots | undefined;
  /** share({ bytes }) spool writes at once, client-wide (jobsInFlight): each holds its temp file open and fsyncs it. */
  private spoolSlots: Slots | undefined;
  /** Bytes of piece buffers every transfer together may hold (transferMemoryBytes), taken by each run and stream before it starts. */
  private memory: Slots | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<unknown> | undefined;
  /** Settles once every renewal run started so far has (they run one after another). */
  private renewTail: Promise<unknown> = Promise.resolve();
  /** The checked numeric options, from start() on. */
  private settings: ClientSettings | undefined;
  private phase: "new" | "starting" | "started" | "stopped" = "new";
  /** Settles once start() has (either way). */
  private starting: Promise<void> = Promise.resolve();
  /** The stop under way (or done), once stop() began stopping a started client. */
  private stopping: Promise<void> | undefined;

  constructor(options: StorageClientOptions) {
    const profile = profileFor(options.protocol);
    if (!profile.writes("file-reference")) {
      throw new StorageError("E_UNSUPPORTED", `protocol ${options.protocol} (release ${profile.release.release}) has no file references; use protocol 2 or later`, {
        details: { protocol: options.protocol },
      });
    }
    this.protocol = options.protocol;
    this.mode = options.mode ?? "full";
    if (this.mode === "light") refuseLocalStorage(options);
    // Every job and stream links its signal to the stop signal, as many at once as the application runs: by design, not a leak.
    setMaxListeners(0, this.stopController.signal);
    const endpoints: StorageBackend[] =
      this.mode === "light" ? [...(options.endpoints ?? [])] : [...(options.backend === undefined ? [] : [options.backend]), ...(options.endpoints ?? [])];
    if (endpoints.length === 0) {
      throw new StorageError(
        "E_UNSUPPORTED",
        this.mode === "light" ? "light mode needs at least one remote endpoint (options.endpoints)" : "the storage client needs a backend (options.backend)",
      );
    }
    if (options.state === undefined && options.statePath === undefined) throw new StorageError("E_UNSUPPORTED", "the storage client needs its state database (options.state or options.statePath)");
    this.pool = new EndpointPool(endpoints);
    this.options = options;
    this.metrics = options.metrics ?? new Metrics();
    this.log = componentLogger(options.logger ?? silentLogger(), "storage.client");
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
    if (this.phase !== "new") return Promise.reject(new StorageError("E_UNSUPPORTED", `the storage client cannot start: it is ${this.phase}`));
    const run = this.startOnce();
    // stop() called meanwhile waits for this, then stops what it started.
    this.starting = run.catch(() => undefined);
    return run;
  }

  private async startOnce(): Promise<void> {
    this.phase = "starting";
    const o = this.options;
    const light = this.mode === "light";
    let settings: ClientSettings;
    try {
      settings = resolveSettings(o, this.mode);
    } catch (error) {
      this.phase = "stopped";
      throw error;
    }
    this.settings = settings;
    for (const w of interopWarnings(settings)) this.log.warn({ option: w.option }, w.message);
    try {
      const dataDir = resolve(o.dataDir);
      await makeClientDirectory(dataDir);
      // Before the state is opened (a newer release would migrate it under the running client) and the
      // journal touched: another client on either would resume these same jobs, or evict these spool files.
      this.lock = lockClient(dataDir, o.state?.path ?? o.statePath);
      this.state = o.state ?? (await openState({ path: o.statePath as string, level: profileFor(this.protocol).stateLevel, holdsClientLock: true, ...(o.logger === undefined ? {} : { logger: o.logger }) }));
      const db = this.state.db;
      // The journal's own spelling of this folder (a link may lead here too): its paths are compared as strings.
      const home = dataDirAsRecorded(db, dataDir);
      const dirs = { cache: join(home, "cache"), spool: join(home, "spool") };
      // Spooled and cached files are renamed into these and synced there; their own entries must last too.
      for (const dir of Object.values(dirs)) await makeClientDirectory(dir);
      await removeStraySpoolTemps(dirs.spool);
      // Never earlier than a time this state has seen: a clock set back must not make renewal late (floored-clock.ts).
      const clock = new FlooredClock(o.clock ?? systemClock, db, { maxLeadMs: settings.ttlMs + settings.renewBeforeMs, log: this.log });
      const metrics = storageMetrics(this.metrics);
      const quotaSetting = db.prepare(LEVEL1_SQL.getSetting).pluck().get("quota_bytes") as string | undefined;
      const quotaBytes = settings.quotaBytes ?? quotaFromSetting(quotaSetting, this.log);
      const writesExpiry = profileFor(this.protocol).writes("expiry-renewal");
      // This installation's own endpoint order (full mode's own node stays first); docs/storage.md, Failover.
      applyEndpointOrder(this.pool, o.endpointOrder, db, o.random ?? Math.random, light || o.backend === undefined ? 0 : 1);
      this.ctx = {
        protocol: this.protocol,
        writesExpiry,
        db,
        pool: this.pool,
        storeIdentity: storeIdentityOf(light, this.pool.endpoints),
        policy: resolveRetryPolicy(light ? LIGHT_RETRY_POLICY : DEFAULT_RETRY_POLICY, o.retry),
        uploads: new UploadJournal(db, profileFor(this.protocol).writes("piece-index")),
        downloads: new DownloadJournal(db),
        availability: new AvailabilityJournal(db),
        cache: new CacheStore(new CacheJournal(db), quotaBytes, { clock, metrics, log: this.log }),
        metrics,
        buffers: new BufferPool(),
        log: this.log,
        clock,
        random: o.random ?? Math.random,
        piecesInFlight: settings.piecesInFlight,
        maxFileBytes: settings.maxFileBytes,
        maxPieceBytes: settings.maxPieceBytes,
        ttlMs: settings.ttlMs,
        renewBeforeMs: settings.renewBeforeMs,
        dirs,
        // Last: taken only once everything above worked; the catch gives it back.
        hasher: Sha256Offload.acquire(),
      };
      // Jobs whose backend was closed under the last session's client resume as a stop's do (before the temp files of failed downloads go).
      for (const { kind, id } of closedOutJobs(db)) {
        const journal = kind === "upload" ? this.ctx.uploads : this.ctx.downloads;
        tryRelease(() => new JobMachine(kind, id, journal, { clock, metrics, log: this.log }).requeue());
      }
      this.runs = new UnendedRuns(db);
      tryRelease(() => this.runs?.dropEnded());
      // A crash between a download's failed/cancelled row and the removal of its temp file left that file.
      await removeEndedDownloadTemps(this.ctx.downloads, this.log);
      // A crash between a spool file's rename and its journal entry left it on disk, uncounted.
      await adoptStraySpoolFiles(this.ctx);
      // And one between a download's rename into the cache and its entry.
      await this.ctx.cache.adoptStrays(dirs.cache);
      // The quota may have been lowered since the last session: what the client keeps fits it from the start.
      this.ctx.cache.fitQuota();
      await this.forgetEndedJobs();
      this.streamSlots = new Slots(settings.streamsInFlight);
      this.hitSlots = new Slots(settings.jobsInFlight);
      this.spoolSlots = new Slots(settings.jobsInFlight);
      this.memory = new Slots(settings.transferMemoryBytes);
      const jobs = settings.jobsInFlight;
      const { uploads, downloads } = this.ctx;
      this.uploadQueue = new JobQueue("upload", jobs, metrics, (id, signal, lane) => this.runUploadJob(id, signal, lane).catch((error: unknown) => this.runNotStarted(id, error)), (id) => smallUpload(uploads.get(id), settings.pieceSize));
      this.downloadQueue = new JobQueue("download", jobs, metrics, (id, signal, lane) => this.runDownloadJob(id, signal, lane).catch((error: unknown) => this.runNotStarted(id, error)), (id) => smallDownload(downloads.get(id), this.protocol, settings.pieceSize));
      this.phase = "started";
      for (const row of this.ctx.uploads.inStates(["queued", "uploading"])) this.uploadQueue.enqueue(row.id);
      for (const row of this.ctx.downloads.inStates(["queued", "downloading"])) this.downloadQueue.enqueue(row.id);
      if (settings.renewEveryMs > 0) {
        this.renewTimer = setInterval(() => void this.renewInBackground(), settings.renewEveryMs);
        this.renewTimer.unref();
        // Now too: an app session is often shorter than the interval, whose timer starts over with each start.
        void this.renewInBackground();
      }
      this.log.info({ protocol: this.protocol, mode: this.mode, endpoints: this.pool.endpoints.map((b) => b.location) }, "storage client started");
    } catch (error) {
      this.phase = "stopped";
      // The hashing worker is the process's, stopped with its last user: a hold kept here would keep it for good.
      if (this.ctx !== undefined) await Sha256Offload.release(this.ctx.hasher);
      if (o.state === undefined) this.state?.close();
      this.lock?.release();
      throw error;
    }
  }

  /**
   * Shares a file: checks it (size limit, name, MIME type), journals an upload job and returns it at
   * once; the upload runs in the background. `job.done` gives the FileReference bytes.
   */
  share(input: ShareInput): TransferJob<ShareResult> {
    const ctx = this.started();
    const fromPath = "path" in input;
    let size: number;
    let sourcePath: string | undefined;
    if (fromPath) {
      sourcePath = resolve(input.path);
      const info = sourceInfo(sourcePath);
      size = info.size;
    } else {
      size = input.bytes.byteLength;
    }
    const { chunkSize, pieceSize } = this.settings as ClientSettings;
    checkShareable(size, ctx.maxFileBytes, chunkSize, pieceSize);
    const fileName = sanitizeFileName(input.fileName ?? (fromPath ? basename(sourcePath as string) : ""));
    const mime = input.mime ?? guessMime(fileName);
    const params = newStreamParams(chunkSize);
    checkEncodable(mime, fileName, params, this.protocol);
    const id = randomUUID();
    const plan = planPieces(size, chunkSize, pieceSize);
    const job = new TransferJob<ShareResult>(id, "upload", "queued", progressOf(0, plan.pieces.length, 0, size), (jobId) => this.cancel(jobId));
    const create = (path: string, run: boolean): void => {
      ctx.uploads.create({
        id,
        source_path: path,
        plaintext_size: size,
        piece_size: pieceSize,
        chunk_size: chunkSize,
        enc_key: Buffer.from(params.key),
        nonce_prefix: Buffer.from(params.noncePrefix),
        mime,
        file_name: fileName,
        protocol: this.protocol,
        created_at: ctx.clock.now(),
      });
      ctx.metrics.transitions.inc({ kind: "upload", state: "queued" });
      if (run) this.uploadQueue?.enqueue(id);
    };
    if (fromPath) {
      this.handles.set(id, job);
      // A file forwarded by the path fetch gave (a cached download, or the spooled copy of bytes this
      // client shared): kept from eviction while this upload reads it (releaseSpool unpins).
      const cached = contentCidIn(ctx.dirs.cache, sourcePath as string) ?? contentCidIn(ctx.dirs.spool, sourcePath as string);
      try {
        if (cached !== undefined) ctx.cache.pin(cached);
        create(sourcePath as string, true);
      } catch (error) {
        // The journal refused the row (a full disk): no job exists, and the caller hears why.
        this.handles.delete(id);
        if (cached !== undefined) tryRelease(() => releaseSpool(ctx, id, sourcePath as string));
        throw asStorageError(error);
      }
    } else {
      const bytes = (input as { bytes: Uint8Array }).bytes;
      const contentCid = cidOfDigest(sha256(bytes));
      // A received file already holding these bytes is read instead of a spooled copy (sourceOfSharedBytes),
      // once compared with them: off the caller's turn, as that reads up to a whole file.
      const spoolPath = join(ctx.dirs.spool, contentCid);
      // Pinned under the quota until the upload is done; the spool write happens off the caller's turn.
      const reservation = ctx.cache.reserve(size, contentCid);
      this.handles.set(id, job);
      try {
        // A spool file of the same bytes may already be there (spoolBytes keeps it): no eviction may take it meanwhile.
        // (A cached copy is held while it is compared, and pinned only if this upload is to read it.)
        if (ctx.cache.pathOf(contentCid) === spoolPath) ctx.cache.pin(contentCid);
        // Journaled before the bytes are spooled (queued, not yet run): a stop meanwhile leaves a job
        // that resumes on the next start, a crash one that fails E_SOURCE_MISSING, never no job at all.
        create(spoolPath, false);
      } catch (error) {
        this.handles.delete(id);
        reservation.release();
        tryRelease(() => releaseSpool(ctx, id, spoolPath));
        throw asStorageError(error);
      }
      const machine = this.machine("upload", id);
      // A cancel while the bytes are spooled is noted here and applied once they are.
      const pending = { cancelled: false, turn: new AbortController() };
      this.spoolingShares.set(id, pending);
      // The file this upload reads (the spool file, or a cached copy of the same bytes); the catch releases its pin.
      let source = spoolPath;
      // An album shared from memory held a descriptor per photo, all writing and fsyncing at once. The wait is
      // not cut short by a stop (which waits for it): a share is resumable only once spooled.
      const spool = (this.spoolSlots as Slots)
        .run(pending.turn.signal, "spooling shared bytes", () => sourceOfSharedBytes(ctx, id, contentCid, bytes))
        .then((path) => {
          this.spoolingShares.delete(id);
          // Counted under the quota whatever happens next (the catch unpins it when no upload will read it).
          source = path;
          if (pending.cancelled) throw CANCELLED;
          // Stopping: the job stays queued in the journal, with its spool file, for the next start.
          if (this.phase !== "started") throw clientClosedReason();
          this.uploadQueue?.enqueue(id);
        })
        .catch((error: unknown) => {
          this.spoolingShares.delete(id);
          this.handles.delete(id);
          const typed = asStorageError(error);
          if (pending.cancelled || !(typed.code === "E_CLIENT_CLOSED" && this.phase !== "started")) {
            // Cancelled, or the spool write failed: this job never runs (stop() waits for this before it closes the journal).
            tryRelease(() => (pending.cancelled ? machine.cancel() : machine.fail(typed.code, typed.message)));
            tryRelease(() => releaseSpool(ctx, id, source));
          }
          job.reject(pending.cancelled ? CANCELLED : typed);
        })
        .finally(() => {
          reservation.release();
          this.spooling.delete(spool);
        });
      this.spooling.add(spool);
    }
    return job;
  }

  /**
   * Fetches a shared file to `options.out` (or into the cache) as a journaled background job that
   * resumes after a crash. The reference is checked at once (E_BAD_REFERENCE, E_FILE_TOO_LARGE).
   */
  fetch(reference: ReferenceInput, options: FetchOptions = {}): TransferJob<FetchResult> {
    const ctx = this.started();
    const { view, bytes } = decodeReference(reference, this.protocol);
    checkReceivable(ctx, view);
    const plan = planOfReference(view, ctx.maxPieceBytes);
    const id = randomUUID();
    let dest: string;
    if (options.out === undefined) {
      if (this.mode === "light") {
        throw new StorageError("E_UNSUPPORTED", "light mode keeps no download cache: pass options.out (a file of the application's), or use fetchStream");
      }
      const contentCid = cidOfDigest(view.plaintextSha256);
      const hit = ctx.cache.lookup(contentCid);
      if (hit !== undefined) return this.fetchCached(ctx, id, view, bytes, plan, contentCid, hit.path);
      dest = join(ctx.dirs.cache, contentCid);
    } else {
      dest = resolve(options.out);
    }
    const job = new TransferJob<FetchResult>(id, "download", "queued", progressOf(0, plan.pieces.length, 0, view.plaintextSize), (jobId) => this.cancel(jobId));
    this.queueDownload(ctx, id, bytes, dest, job);
    return job;
  }

  /** Journals a download job for `job` and queues it; a refused row is the caller's E_LOCAL_IO, with no handle kept. */
  private queueDownload(ctx: ClientContext, id: string, reference: Uint8Array, dest: string, job: TransferJob<FetchResult>): void {
    this.handles.set(id, job);
    try {
      ctx.downloads.create({ id, file_reference: reference, dest_path: dest, temp_path: downloadTempPath(dest, id), created_at: ctx.clock.now() });
    } catch (error) {
      this.handles.delete(id);
      throw asStorageError(error);
    }
    ctx.metrics.transitions.inc({ kind: "download", state: "queued" });
    this.downloadQueue?.enqueue(id);
  }

  /**
   * A cached file is served only once it still hashes to the reference: fetch hands out its path,
   * and the application may have written to it since. One that no longer does is dropped and the
   * file is fetched again, as the same job.
   */
  private fetchCached(ctx: ClientContext, id: string, view: FileReference, reference: Uint8Array, plan: PiecePlan, contentCid: string, path: string): TransferJob<FetchResult> {
    const total = plan.pieces.length;
    // A cancel while the cached file is hashed is applied once it is (no download starts); one after is any job's cancel.
    let cancelled = false;
    const job = new TransferJob<FetchResult>(id, "download", "downloading", progressOf(0, total, 0, view.plaintextSize), (jobId) => {
      // Live while it is checked (cacheChecks applies it) and once queued for a new download; a no-op once settled.
      if (this.handles.has(jobId)) this.cancel(jobId);
    });
    // Live like any job while it is checked: job(id) finds it, cancel(id) cancels it.
    this.handles.set(id, job);
    // A cancel while the hit waits for its turn ends the wait at once.
    const waiting = new AbortController();
    this.cacheChecks.set(id, () => {
      cancelled = true;
      waiting.abort(CANCELLED);
    });
    const checked = (): void => {
      this.cacheChecks.delete(id);
      this.forgetHandle(id, job);
    };
    // Not evicted for another download while it is checked and handed out.
    const unhold = ctx.cache.hold(contentCid);
    // A gallery fetching hundreds of cached files at once would otherwise hold a descriptor and 2 MiB for each.
    const turn = AbortSignal.any([this.stopController.signal, waiting.signal]);
    const checking: Promise<void> = (this.hitSlots as Slots)
      .run(turn, "a cache hit (waiting for its turn to be checked)", () => fileSha256(ctx.hasher, path, view.plaintextSize))
      .then((digest) => {
        checked();
        if (cancelled) {
          job.setState("cancelled");
          throw CANCELLED;
        }
        if (sameDigest(digest, view.plaintextSha256)) {
          job.setProgress(progressOf(total, total, view.plaintextSize, view.plaintextSize));
          job.setState("done");
          job.resolve({ jobId: id, path, size: view.plaintextSize, sha256: view.plaintextSha256, fromCache: true });
          return;
        }
        if (!ctx.cache.discard(contentCid)) {
          throw new StorageError("E_INTEGRITY", `the stored copy of ${contentCid} was written to while an upload of it is pending; that upload will fail too, share the file again`, {
            details: { cid: contentCid },
          });
        }
        this.log.warn({ job: id }, "a cached file no longer holds its content (written to since it was fetched): fetching it again");
        job.setState("queued");
        this.queueDownload(this.started(), id, reference, join(ctx.dirs.cache, contentCid), job);
      })
      .catch((error: unknown) => {
        checked();
        // Cancelled while it waited for its turn (the wait rejected with CANCELLED).
        if (cancelled) job.setState("cancelled");
        job.reject(asStorageError(error));
      })
      .finally(() => {
        unhold();
        this.checkingHits.delete(checking);
      });
    this.checkingHits.add(checking);
    return job;
  }

  /**
   * The verified plaintext as a stream (memory: pieces in flight, not the file). Not journaled.
   * Every yielded byte is authenticated; the stream ends normally only after the whole-file sha256 matched.
   */
  fetchStream(reference: ReferenceInput, options: { signal?: AbortSignal } = {}): AsyncGenerator<Buffer, void, undefined> {
    const ctx = this.started();
    const { view } = decodeReference(reference, this.protocol);
    checkReceivable(ctx, view);
    planOfReference(view, ctx.maxPieceBytes);
    // A consumer that leaves (return(), a destroyed Readable) aborts the piece still on its way.
    return closableStream((closed) => this.guardedStream(ctx, view, [options.signal, closed]));
  }

  /**
   * Whether a shared file is still retrievable: from the journal (our uploads), the reference's
   * expiry (v3), or probing the endpoints (a piece is missing only when every endpoint answered
   * that it lacks it; one that could not be asked makes the probe fail with its typed error).
   */
  async status(reference: ReferenceInput, options: { probe?: boolean; signal?: AbortSignal } = {}): Promise<FileStatus> {
    const ctx = this.started();
    return fileStatus(ctx, decodeReference(reference, this.protocol).view, options.probe ?? false, options.signal);
  }

  /** No message refers to this file any more: its pieces are no longer renewed (they expire with Codex's TTL). */
  release(reference: ReferenceInput): void {
    const ctx = this.started();
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

  /** Renews referenced uploads whose TTL ends within the margin (the background timer does this too). */
  async renewDue(options: { signal?: AbortSignal } = {}): Promise<RenewReport> {
    const ctx = this.started();
    const link = linkedSignal([this.stopController.signal, options.signal], undefined, "renewal");
    // One run at a time (the start's, the timer's, the application's): two would store every due piece twice.
    const before = this.renewTail;
    const run = raceSignal(before, link.signal, "renewal (waiting for the one in progress)").then(() => renewDue(ctx, link.signal));
    // Settles with nothing: allSettled's value would hold this run's report and, through `before`, every earlier one.
    this.renewTail = Promise.allSettled([before, run]).then(() => undefined);
    try {
      return await run;
    } finally {
      link.dispose();
    }
  }

  /** The job's handle: live when it runs in this client, else built from the journal. E_JOB_UNKNOWN otherwise. */
  job(id: string): AnyJob {
    const ctx = this.started();
    const live = this.handles.get(id);
    if (live !== undefined) return live;
    const up = ctx.uploads.get(id);
    if (up !== undefined) return this.handleFromUploadRow(this.asKnown(up));
    const down = ctx.downloads.get(id);
    if (down !== undefined) return this.handleFromDownloadRow(this.asKnown(down));
    throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
  }

  /** The row as this session knows it: a run's end the journal refused to record is its state until the journal has one. */
  private asKnown<Row extends UploadJobRow | DownloadJobRow>(row: Row): Row {
    const ended = this.unrecorded.get(row.id);
    if (ended === undefined || !runnable(row.state)) return row;
    return ended === CANCELLED ? { ...row, state: "cancelled" } : { ...row, state: "failed", last_error: `${ended.code}: ${ended.message}` };
  }

  /** The unfinished upload of this file (queued or uploading), however its folder is spelled, to wait for it rather than start another. */
  pendingUploadOf(path: string): TransferJob<ShareResult> | undefined {
    const ctx = this.started();
    const target = inRealFolders(path);
    const row = ctx.uploads.inStates(["queued", "uploading"]).find((r) => inRealFolders(r.source_path) === target && !this.unrecorded.has(r.id));
    return row === undefined ? undefined : (this.handleFromUploadRow(row) as TransferJob<ShareResult>);
  }

  /** The unfinished download to this destination, however its folder is spelled, to wait for it rather than start another. */
  pendingDownloadTo(path: string): TransferJob<FetchResult> | undefined {
    const ctx = this.started();
    const target = inRealFolders(path);
    const row = ctx.downloads.inStates(["queued", "downloading"]).find((r) => inRealFolders(r.dest_path) === target && !this.unrecorded.has(r.id));
    return row === undefined ? undefined : (this.handleFromDownloadRow(row) as TransferJob<FetchResult>);
  }

  /** Every job in the journal, oldest first. */
  jobs(): JobSummary[] {
    const ctx = this.started();
    const summary = (kind: JobKind, r: UploadJobRow | DownloadJobRow): JobSummary => ({
      id: r.id,
      kind,
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
    return [...ctx.uploads.all().map((r) => summary("upload", this.asKnown(r))), ...ctx.downloads.all().map((r) => summary("download", this.asKnown(r)))].sort(
      (a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id),
    );
  }

  /** Cancels a job for good (journal state `cancelled`); its `done` rejects with E_ABORTED. */
  cancel(id: string): void {
    const ctx = this.started();
    const spooling = this.spoolingShares.get(id);
    if (spooling !== undefined) {
      spooling.cancelled = true;
      // Still waiting its turn: it never writes the bytes it will not send (one being written finishes first).
      spooling.turn.abort(CANCELLED);
      return;
    }
    const cacheCheck = this.cacheChecks.get(id);
    if (cacheCheck !== undefined) return cacheCheck();
    const upload = ctx.uploads.get(id);
    const state = upload?.state ?? ctx.downloads.get(id)?.state;
    const kind: JobKind | undefined = upload !== undefined ? "upload" : state !== undefined ? "download" : undefined;
    if (kind === undefined) throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
    const queue = kind === "upload" ? this.uploadQueue : this.downloadQueue;
    // A running job cancels itself when its signal fires (see settleFailure); a run that has
    // already failed and is only winding down (its job may even be queued again) will not.
    const taken = queue?.abort(id, CANCELLED);
    if (taken === "active" && (state === "uploading" || state === "downloading")) return;
    const machine = this.machine(kind, id);
    try {
      machine.cancel();
    } catch (error) {
      // Not recorded (the journal refused the write): nothing changed, so a job taken out of the queue
      // (or queued again while its last run winds down) waits its turn again.
      if (taken === "waiting" || (taken === "active" && state === "queued")) queue?.enqueue(id);
      throw error;
    }
    this.unrecorded.delete(id);
    const cleaning = this.cleanUp(kind, id).finally(() => this.cleaning.delete(cleaning));
    this.cleaning.add(cleaning);
    this.handles.get(id)?.reject(CANCELLED);
    this.handles.delete(id);
  }

  /**
   * Runs a failed job again. An upload keeps the pieces it stored; a download starts over (its
   * failure removed its temp file, so nothing half-written outlives the job), except one whose
   * backend was closed under it (E_CLIENT_CLOSED), which keeps the pieces it verified. A job failed
   * E_CRASH_LOOP starts with its count of runs that ended with the process at zero.
   */
  retry(id: string): AnyJob {
    const ctx = this.started();
    const kind: JobKind | undefined = ctx.uploads.get(id) !== undefined ? "upload" : ctx.downloads.get(id) !== undefined ? "download" : undefined;
    if (kind === undefined) throw new StorageError("E_JOB_UNKNOWN", `the journal has no job ${id}`, { details: { id } });
    const ended = this.unrecorded.get(id);
    if (ended === CANCELLED) throw illegalMove(kind, id, "queued", "cancelled");
    // Its failure was never journaled (a full disk): the row still says it runs, and a run starts from there.
    if (ended !== undefined) this.unrecorded.delete(id);
    else this.machine(kind, id).requeue();
    const handle = this.job(id);
    (kind === "upload" ? this.uploadQueue : this.downloadQueue)?.enqueue(id);
    return handle;
  }

  /** Bytes of cached and spooled files against the quota. */
  usage(): { usedBytes: number; reservedBytes: number; quotaBytes: number } {
    return this.started().cache.usage();
  }

  /**
   * Stops every job (their journal rows stay as they are, to resume on the next start), the
   * renewal timer and spooling, and closes the state database if the client opened it. Leaves no
   * timer, socket or file handle behind. Backends passed in are the caller's to close.
   */
  async stop(): Promise<void> {
    // Stopped half-way through its start, a client would run on with a closed journal: let the start end first.
    await this.starting;
    // A second call while the first is stopping waits for it too: its caller may start another client on these folders next.
    if (this.stopping !== undefined) return this.stopping;
    if (this.phase === "stopped" || this.phase === "new") {
      this.phase = "stopped";
      return;
    }
    this.phase = "stopped";
    this.stopping = this.stopRunning();
    return this.stopping;
  }

  private async stopRunning(): Promise<void> {
    const reason = clientClosedReason();
    if (this.renewTimer !== undefined) clearInterval(this.renewTimer);
    this.stopController.abort(reason);
    await Promise.allSettled([...this.spooling, ...this.checkingHits]);
    await Promise.allSettled([...this.cleaning]);
    await Promise.all([this.uploadQueue?.close(reason), this.downloadQueue?.close(reason)]);
    await this.renewing?.catch(() => undefined);
    await this.renewTail;
    if (this.ctx !== undefined) await Sha256Offload.release(this.ctx.hasher);
    this.ctx?.buffers.close();
    for (const job of this.handles.values()) job.reject(reason);
    this.handles.clear();
    for (const reservation of this.reservations.values()) reservation.release();
    // The next run starts from the latest time this one saw.
    if (this.ctx?.clock instanceof FlooredClock) this.ctx.clock.flush();
    if (this.options.state === undefined) this.state?.close();
    this.lock?.release();
    this.log.info({}, "storage client stopped");
  }

  private started(): ClientContext {
    if (this.phase !== "started" || this.ctx === undefined) {
      throw new StorageError("E_CLIENT_CLOSED", this.phase === "stopped" ? "the storage client is stopped" : "the storage client is not started; call start() first");
    }
    return this.ctx;
  }

  private machine(kind: JobKind, id: string): JobMachine {
    const ctx = this.started();
    const job = this.handles.get(id) as TransferJob<unknown> | undefined;
    return new JobMachine(kind, id, kind === "upload" ? ctx.uploads : ctx.downloads, {
      clock: ctx.clock,
      metrics: ctx.metrics,
      log: ctx.log,
      ...(job === undefined ? {} : { job }),
      ...(this.runs === undefined ? {} : { runs: this.runs }),
    });
  }

  private async runUploadJob(id: string, signal: AbortSignal, lane: boolean): Promise<void> {
    // Its turn came as the client began to stop: the job stays in the journal for the next start.
    if (this.phase !== "started") return;
    const ctx = this.ctx as ClientContext;
    const row = ctx.uploads.get(id);
    // Cancelled or settled while it waited its turn: nothing to run.
    if (row === undefined || !runnable(row.state)) return;
    const job = this.handleFromUploadRow(row) as TransferJob<ShareResult>;
    const machine = this.machine("upload", id);
    const deadline = linkedSignal(signal, ctx.policy.deadlineMs, `upload ${id}`);
    let memory: (() => void) | undefined;
    try {
      memory = await this.transferMemory(deadline, signal, `upload ${id}`, uploadMemoryBytes(row, ctx.piecesInFlight), lane);
      const result = await runUpload(ctx, row, machine, job, deadline.signal);
      this.forgetHandle(id, job);
      job.resolve(result);
    } catch (error) {
      // Before the journal says failed: a retry asked for from then on gets a handle of its own.
      this.forgetHandle(id, job);
      await this.settleFailure("upload", id, machine, job, error, signal);
    } finally {
      memory?.();
      deadline.dispose();
      this.runEnded(id);
    }
  }

  private async runDownloadJob(id: string, signal: AbortSignal, lane: boolean): Promise<void> {
    if (this.phase !== "started") return;
    const ctx = this.ctx as ClientContext;
    const row = ctx.downloads.get(id);
    if (row === undefined || !runnable(row.state)) return;
    const job = this.handleFromDownloadRow(row) as TransferJob<FetchResult>;
    const machine = this.machine("download", id);
    const deadline = linkedSignal(signal, ctx.policy.deadlineMs, `download ${id}`);
    let memory: (() => void) | undefined;
    try {
      const { view } = decodeReference(row.file_reference, this.protocol);
      const cacheCid = contentCidIn(ctx.dirs.cache, row.dest_path);
      if (cacheCid !== undefined) this.reservations.set(id, ctx.cache.reserve(view.plaintextSize, cacheCid));
      memory = await this.transferMemory(deadline, signal, `download ${id}`, downloadMemoryBytes(view, ctx.maxPieceBytes, ctx.piecesInFlight), lane);
      const downloaded = await runDownload(ctx, row, view, machine, job, deadline.signal);
      let result = downloaded;
      machine.finish((at) =>
        ctx.db.transaction(() => {
          ctx.downloads.finish(id, at);
          // The same bytes spooled meanwhile for a pending upload stay the content's one file: this copy goes, and that one is handed out.
          if (cacheCid !== undefined) result = { ...downloaded, path: ctx.cache.add(cacheCid, row.dest_path, downloaded.size, false) };
        })(),
      );
      this.forgetHandle(id, job);
      job.resolve(result);
    } catch (error) {
      this.forgetHandle(id, job);
      await this.settleFailure("download", id, machine, job, error, signal);
    } finally {
      memory?.();
      this.reservations.get(id)?.release();
      this.reservations.delete(id);
      deadline.dispose();
      this.runEnded(id);
    }
  }

  /**
   * Takes a run's piece buffers out of the client's transfer memory (transfer-memory.ts), waiting
   * while they do not fit; the wait is not the transfer's time (its deadline is paused meanwhile).
   * The lane's small job takes what is free even while a larger run waits for more (Slots.acquire).
   */
  private async transferMemory(deadline: LinkedSignal, signal: AbortSignal, what: string, bytes: number, lane: boolean): Promise<() => void> {
    deadline.pause();
    const release = await (this.memory as Slots).acquire(signal, `${what} (waiting for transfer memory)`, bytes, lane);
    deadline.resume();
    return release;
  }

  /** The run ended in this process, however (done, failed, cancelled, stopped): not a crash, for the crash-loop count. Best effort, as the journal may refuse it. */
  private runEnded(id: string): void {
    tryRelease(() => this.runs?.ended(id));
  }

  /**
   * A run that failed before it could start (its journal row could not be read: the state database
   * failed, or was closed under the client): its handle hears why, and the row, as it was, resumes
   * on the next start. Nothing else would have: the queue's run must never reject.
   */
  private runNotStarted(id: string, error: unknown): void {
    const typed = asStorageError(error);
    this.log.warn({ job: id, code: typed.code }, "a job could not be started");
    this.handles.get(id)?.reject(typed);
    this.handles.delete(id);
  }

  /** This run's handle is done with; a newer one (a retry's) stays. */
  private forgetHandle(id: string, job: AnyJob): void {
    if (this.handles.get(id) === job) this.handles.delete(id);
  }

  /** Where a failed run goes: stopping keeps the journal row for the next start; a cancel or a real failure is written. */
  private async settleFailure(kind: JobKind, id: string, machine: JobMachine, job: AnyJob, error: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted && signal.reason !== CANCELLED) {
      job.reject(signal.reason);
      return;
    }
    // On a full disk the journal may refuse these writes too: the row then stays as it was (the job
    // resumes on the next start), the temp file still goes, and the caller still hears of the outcome.
    const cancelled = signal.aborted;
    const typed = cancelled ? undefined : asStorageError(error);
    // Its backend was closed under it as the client stops (an app closing its store first): kept, as a stop keeps it, to resume on the next start.
    if (typed?.code === "E_CLIENT_CLOSED" && this.phase !== "started") {
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
      this.log.warn({ job: id, kind, code }, "the journal could not record how a job ended");
      // Refused (a full disk), not a move the row had already made (a cancel recorded while the run wound down).
      if (code === "E_LOCAL_IO") this.unrecorded.set(id, failure ?? CANCELLED);
    }
    if (!closedOut) await this.cleanUp(kind, id);
    job.reject(failure ?? CANCELLED);
  }

  /**
   * After a failure or cancel: no partial download stays on disk; a spooled upload may be evicted
   * again. Best effort (it never rejects): the job has ended either way, and a temp file left
   * behind is removed at the next start.
   */
  private async cleanUp(kind: JobKind, id: string): Promise<void> {
    await this.tryCleanUp(kind, id).catch((error: unknown) => this.log.warn({ job: id, kind, code: asStorageError(error).code }, "cleaning up an ended job failed"));
  }

  private async tryCleanUp(kind: JobKind, id: string): Promise<void> {
    const ctx = this.ctx as ClientContext;
    if (kind === "download") {
      const row = ctx.downloads.get(id);
      if (row !== undefined) {
        await discardTemp(row);
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

  private handleFromUploadRow(row: UploadJobRow): AnyJob {
    const live = this.handles.get(row.id);
    if (live !== undefined) return live;
    let progress: TransferProgress;
    try {
      const plan = planPieces(row.plaintext_size, row.chunk_size, row.piece_size);
      const stored = (this.ctx?.uploads.pieces(row.id) ?? []).map((p) => p.idx);
      progress = progressOf(stored.length, plan.pieces.length, plainBytesOf(plan, stored), row.plaintext_size);
    } catch {
      // Sizes this client cannot plan (a corrupt row, a newer release's): its run fails with the typed error; the handle shows nothing done.
      progress = progressOf(0, 0, 0, row.plaintext_size);
    }
    const job = new TransferJob<ShareResult>(row.id, "upload", row.state, progress, (id) => this.cancel(id));
    if (row.state === "done" && row.file_reference !== null) {
      // Read as this client reads (a row the next release finished has a protocol this build has no schema for).
      const { view } = decodeReference({ bytes: row.file_reference, writtenWith: row.protocol }, this.protocol);
      job.resolve({ jobId: row.id, reference: row.file_reference, view, protocol: row.protocol });
    } else if (row.state === "failed" || row.state === "cancelled") {
      job.reject(errorFromJournal(row.state, row.last_error));
    } else {
      this.handles.set(row.id, job);
    }
    return job;
  }

  private handleFromDownloadRow(row: DownloadJobRow): AnyJob {
    const live = this.handles.get(row.id);
    if (live !== undefined) return live;
    const job = new TransferJob<FetchResult>(row.id, "download", row.state, this.downloadProgressOf(row), (id) => this.cancel(id));
    if (row.state === "done") {
      const { view } = decodeReference(row.file_reference, this.protocol);
      job.resolve({ jobId: row.id, path: row.dest_path, size: view.plaintextSize, sha256: view.plaintextSha256, fromCache: false });
    } else if (row.state === "failed" || row.state === "cancelled") {
      job.reject(errorFromJournal(row.state, row.last_error));
    } else {
      this.handles.set(row.id, job);
    }
    return job;
  }

  /** What a download's journal says is done: every piece once it is done, else the pieces verified into its temp file. */
  private downloadProgressOf(row: DownloadJobRow): TransferProgress {
    const ctx = this.ctx as ClientContext;
    let view: FileReference;
    let plan: PiecePlan;
    try {
      view = decodeReference(row.file_reference, this.protocol).view;
      plan = planOfReference(view, ctx.maxPieceBytes);
    } catch {
      // A reference this client cannot plan: its run fails with the typed error; the handle shows nothing done.
      return progressOf(0, 0, 0, 0);
    }
    const done = row.state === "done" ? plan.pieces.map((p) => p.index) : [...ctx.downloads.verifiedPieces(row.id)];
    return progressOf(done.length, plan.pieces.length, plainBytesOf(plan, done), view.plaintextSize);
  }

  private async *guardedStream(ctx: ClientContext, view: FileReference, signals: (AbortSignal | undefined)[]): AsyncGenerator<Buffer, void, undefined> {
    const link = linkedSignal([this.stopController.signal, ...signals], ctx.policy.deadlineMs, "streamed fetch");
    // Aborted (the client stopped, the caller gave up), its deadline timer goes at once: a consumer
    // holding a chunk that never reads on must not keep a stopped client's process alive.
    link.signal.addEventListener("abort", () => link.dispose(), { once: true });
    try {
      // A paused stream gives its slot up to a waiting one after pausedStreamYieldMs (slottedStream).
      for await (const part of slottedStream(ctx, view, link.signal, this.streamSlots as Slots, ctx.policy.pausedStreamYieldMs, this.memory as Slots)) {
        // The deadline is the transfer's: time the consumer holds the stream (a paused video) does not count.
        link.pause();
        try {
          yield part;
        } finally {
          link.resume();
        }
      }
    } catch (error) {
      throw asStorageError(error);
    } finally {
      link.dispose();
    }
  }

  /** Best effort: a journal that refuses writes (full disk) must not stop the client; the next check tries again. */
  private async forgetEndedJobs(): Promise<void> {
    const keptMs = (this.settings as ClientSettings).keepEndedJobsMs;
    if (keptMs === Infinity) return;
    await forgetEndedJobs(this.ctx as ClientContext, keptMs, (id) => this.handles.has(id)).catch((error: unknown) =>
      this.log.warn({ code: (error as { code?: unknown } | null)?.code }, "could not forget ended jobs"),
    );
  }

  private async renewInBackground(): Promise<void> {
    if (this.renewing !== undefined || this.phase !== "started") return;
    this.renewing = this.renewDue()
      .catch((error: unknown) => this.log.warn({ code: (error as StorageError).code }, "renewal run failed"))
      .then(() => (this.phase === "started" ? this.forgetEndedJobs() : undefined))
      .finally(() => {
        this.renewing = undefined;
      });
  }
}

/** A folder the client keeps its files in, made durably; the OS's refusal is E_LOCAL_IO naming the folder. */
async function makeClientDirectory(dir: string): Promise<void> {
  await makeDirectoryDurably(dir).catch((error: unknown) => {
    throw osErrorAsLocalIo(error, `creating the folder ${dir}`);
  });
}

/** A journal state a run may start from (or resume). */
function runnable(state: JobState | undefined): boolean {
  return state === "queued" || state === "uploading" || state === "downloading";
}

/** Best effort: the journal that just refused a write may refuse this one too. */
function tryRelease(release: () => void): void {
  try {
    release();
  } catch {
    // The pin stays; a later upload of the same file ends and releases it.
  }
}

/**
 * `<dest>.<id8>.part` beside the destination. Its name is cut (on a character) to stay within the
 * 255-byte name limit: a legal destination name of 242 bytes or more failed every download with
 * ENAMETOOLONG. The journal keeps the path, so a resumed job finds it whatever the rule.
 */
function downloadTempPath(dest: string, id: string): string {
  const suffix = `.${id.slice(0, 8)}.part`;
  let name = basename(dest);
  while (Buffer.byteLength(name + suffix) > 255) name = [...name].slice(0, -1).join("");
  return join(dirname(dest), name + suffix);
}

/** The file `share()` is asked for: a regular file, else E_SOURCE_MISSING saying what is there instead. */
function sourceInfo(path: string): { size: number } {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // ENOTDIR (a path through a file), EACCES, ELOOP: nothing to read there either.
    const code = (error as NodeJS.ErrnoException).code ?? "an error";
    throw new StorageError("E_SOURCE_MISSING", `there is no file to share at ${path} (${code})`, { details: { path, os: code } });
  }
  if (info === undefined) throw new StorageError("E_SOURCE_MISSING", `there is no file to share at ${path}`, { details: { path } });
  if (!info.isFile()) {
    const what = info.isDirectory() ? "a folder" : info.isFIFO() ? "a pipe (FIFO)" : info.isSocket() ? "a socket" : "not a regular file";
    throw new StorageError("E_SOURCE_MISSING", `${path} is ${what}; only a regular file can be shared`, { details: { path } });
  }
  return { size: info.size };
}

function progressOf(piecesDone: number, piecesTotal: number, bytesDone: number, bytesTotal: number): TransferProgress {
  return { piecesDone, piecesTotal, bytesDone, bytesTotal };
}

/** Light mode runs no local node: a backend, or an endpoint that stores in this process, is refused. */
function refuseLocalStorage(options: StorageClientOptions): void {
  if (options.backend !== undefined) {
    throw new StorageError("E_UNSUPPORTED", "light mode runs no local node: pass remote endpoints in options.endpoints, not options.backend");
  }
  for (const endpoint of options.endpoints ?? []) {
    if (endpoint.hashesInProcess !== undefined) {
      throw new StorageError("E_UNSUPPORTED", `light mode takes remote endpoints only; the ${endpoint.kind} store at ${endpoint.location} runs in this process`, {
        details: { kind: endpoint.kind },
      });
    }
  }
}
