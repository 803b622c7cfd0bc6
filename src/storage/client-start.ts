import { join, resolve } from "node:path";
import { describedValue } from "../errors/index.js";
import { Sha256Offload } from "../crypto/index.js";
import type { Metrics } from "../obs/index.js";
import { LEVEL1_SQL, openState, type StateHandle } from "../state/index.js";
import { CacheStore } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import { lockClient } from "./client-lock.js";
import { clientProfile } from "./client-profile.js";
import { systemClock, type StorageClientOptions } from "./client-options.js";
import { interopWarnings, quotaFromSetting, resolveSettings, type ClientSettings } from "./client-settings.js";
import { tryRelease, type ClientSession } from "./client-session.js";
import { removeEndedDownloadTemps } from "./download/ended-temps.js";
import { BufferPool, makeDirectoryDurably } from "./file-io.js";
import { FlooredClock } from "./floored-clock.js";
import { osErrorAsLocalIo } from "./job-errors.js";
import { StorageError } from "./storage-error.js";
import { JobMachine } from "./job-machine.js";
import { JobQueue } from "./job-queue.js";
import { runDownloadJob, runNotStarted, runUploadJob } from "./job-runs.js";
import { countKeptParts } from "./kept-parts.js";
import { AvailabilityJournal } from "./journal/availability-journal.js";
import { CacheJournal } from "./journal/cache-journal.js";
import { DownloadJournal } from "./journal/download-journal.js";
import { closedOutJobs } from "./journal/pending-jobs.js";
import { UnendedRuns } from "./journal/unended-runs.js";
import { UploadJournal } from "./journal/upload-journal.js";
import { dataDirAsRecorded } from "./recorded-data-dir.js";
import { forgetEndedJobsNow, renewInBackground, startRenewalTimer } from "./renewal-schedule.js";
import { applyEndpointOrder, DEFAULT_RETRY_POLICY, EndpointFailureMemory, LIGHT_RETRY_POLICY, resolveRetryPolicy, systemTimers, type EndpointPool, type RetryPolicy } from "./retry/index.js";
import { Slots } from "./slots.js";
import { LanedSlots, smallDownload, smallUpload } from "./small-jobs.js";
import { removeStraySpoolTemps } from "./spool-file.js";
import { storageMetrics, type StorageMetrics } from "./storage-metrics.js";
import { storeIdentityOf } from "./upload/resume-checks.js";
import { readCachedCopiesOfLostSpools } from "./upload/lost-spool-source.js";
import { adoptStraySpoolFiles } from "./upload/spool-pin.js";

/**
 * Starts a session (see StorageClient.start): settings, the lock, the state and its journals, the
 * files a crash left, the slots and queues, the jobs to resume and the renewal timer. A start that
 * fails gives back what it took (worker hold, state, lock) and leaves the session as it was before
 * (see afterFailedStart), so start() may be called again.
 */
export async function startSession(session: ClientSession, o: StorageClientOptions, pool: EndpointPool, registry: Metrics): Promise<void> {
  session.phase = "starting";
  const light = session.mode === "light";
  const log = session.log;
  // The release the client behaves as: its state level and what it writes (the constructor checked it).
  const profile = clientProfile(o);
  let settings: ClientSettings;
  let policy: RetryPolicy;
  try {
    settings = resolveSettings(o, session.mode);
    // With the other options, before any lock or file is touched: a typo here made (or migrated) the state first.
    policy = resolveRetryPolicy(light ? LIGHT_RETRY_POLICY : DEFAULT_RETRY_POLICY, o.retry);
    if (o.state !== undefined) refuseUnusableState(o.state, profile.stateLevel);
  } catch (error) {
    afterFailedStart(session);
    throw error;
  }
  session.settings = settings;
  for (const w of interopWarnings(settings)) log.warn({ option: w.option }, w.message);
  // This client's share of the registry's gauges, taken out again by a start that fails (as stop() does).
  let sharedGauges: StorageMetrics | undefined;
  try {
    const dataDir = resolve(o.dataDir);
    await makeClientDirectory(dataDir);
    // Before the state is opened (a newer release would migrate it under the running client) and the
    // journal touched: another client on either would resume these same jobs, or evict these spool files.
    session.lock = lockClient(dataDir, o.state?.path ?? o.statePath);
    session.state = o.state ?? (await openState({ path: o.statePath as string, level: profile.stateLevel, holdsClientLock: true, ...(o.logger === undefined ? {} : { logger: o.logger }) }));
    const db = session.state.db;
    // The journal's own spelling of this folder (a link may lead here too): its paths are compared as strings.
    const home = dataDirAsRecorded(db, dataDir);
    const dirs = { cache: join(home, "cache"), spool: join(home, "spool") };
    // Spooled and cached files are renamed into these and synced there; their own entries must last too.
    for (const dir of Object.values(dirs)) await makeClientDirectory(dir);
    await removeStraySpoolTemps(dirs.spool);
    // Never earlier than a time this state has seen: a clock set back must not make renewal late (floored-clock.ts).
    const clock = new FlooredClock(o.clock ?? systemClock, db, { maxLeadMs: settings.ttlMs + settings.renewBeforeMs, log });
    const metrics = storageMetrics(registry);
    sharedGauges = metrics;
    const quotaSetting = db.prepare(LEVEL1_SQL.getSetting).pluck().get("quota_bytes") as string | undefined;
    const quotaBytes = settings.quotaBytes ?? quotaFromSetting(quotaSetting, log);
    const writesExpiry = profile.writes("expiry-renewal");
    // This installation's own endpoint order (full mode's own node stays first); docs/storage.md, Failover.
    applyEndpointOrder(pool, o.endpointOrder, db, o.random ?? Math.random, light || o.backend === undefined ? 0 : 1);
    // The failing endpoints as the last session left them: its first transfer does not wait out their
    // timeouts again. Light mode (a phone restarts often), and full mode with fallbacks (its own node down).
    if (pool.size > 1) {
      session.failureMemory = new EndpointFailureMemory(pool, db, () => clock.now(), log);
      session.failureMemory.start();
    }
    const ctx: ClientContext = {
      protocol: session.protocol,
      writesExpiry,
      db,
      pool,
      storeIdentity: storeIdentityOf(light, pool.endpoints),
      policy,
      uploads: new UploadJournal(db, profile.writes("piece-index")),
      downloads: new DownloadJournal(db),
      availability: new AvailabilityJournal(db),
      cache: new CacheStore(new CacheJournal(db), quotaBytes, { clock, metrics, log }),
      metrics,
      buffers: new BufferPool(),
      log,
      clock,
      timers: o.timers ?? systemTimers,
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
    session.ctx = ctx;
    // Jobs whose backend was closed under the last session's client resume as a stop's do (before the temp files of failed downloads go).
    for (const { kind, id } of closedOutJobs(db)) {
      const journal = kind === "upload" ? ctx.uploads : ctx.downloads;
      tryRelease(() => new JobMachine(kind, id, journal, { clock, metrics, log }).requeue());
    }
    session.runs = new UnendedRuns(db);
    tryRelease(() => session.runs?.dropEnded());
    // A crash between a download's failed/cancelled row and the removal of its temp file left that file.
    await removeEndedDownloadTemps(ctx.downloads, log);
    // A crash between a spool file's rename and its journal entry left it on disk, uncounted.
    await adoptStraySpoolFiles(ctx);
    // A crash before a share's spool write left it reading no file: the received file of the same bytes serves, when the cache has one.
    // Its hash (seconds for a large file on a phone) ends on a stop() meanwhile, which then ends the start E_CLIENT_CLOSED.
    await readCachedCopiesOfLostSpools(ctx, undefined, session.stopController.signal);
    // And one between a download's rename into the cache and its entry.
    await ctx.cache.adoptStrays(dirs.cache);
    // Pins no upload will give back (a crash between a cancel and its clean-up): evictable again, before the quota is fitted.
    ctx.cache.dropStalePins();
    // The temp files of unfinished downloads into the cache are on disk too, uncounted until their runs reserve room.
    await countKeptParts(ctx);
    // The quota may have been lowered since the last session: what the client keeps fits it from the start.
    ctx.cache.fitQuota();
    await forgetEndedJobsNow(session);
    session.streamSlots = new Slots(settings.streamsInFlight);
    // Each with a lane for a small file (one that fits a piece), as the job queues have: a photo is not checked or spooled after every video.
    session.hitSlots = new LanedSlots(settings.jobsInFlight);
    session.spoolSlots = new LanedSlots(settings.jobsInFlight);
    session.memory = new Slots(settings.transferMemoryBytes);
    const jobs = settings.jobsInFlight;
    const { uploads, downloads } = ctx;
    session.uploadQueue = new JobQueue("upload", jobs, metrics, (id, signal, lane, park, turn) => runUploadJob(session, id, signal, lane, park, turn).catch((error: unknown) => runNotStarted(session, id, error)), (id) => smallUpload(uploads.get(id), settings.pieceSize));
    session.downloadQueue = new JobQueue("download", jobs, metrics, (id, signal, lane, park, turn) => runDownloadJob(session, id, signal, lane, park, turn).catch((error: unknown) => runNotStarted(session, id, error)), (id) => smallDownload(downloads.get(id), session.protocol, settings.pieceSize));
    session.phase = "started";
    for (const row of ctx.uploads.inStates(["queued", "uploading"])) session.uploadQueue.enqueue(row.id);
    for (const row of ctx.downloads.inStates(["queued", "downloading"])) session.downloadQueue.enqueue(row.id);
    if (settings.renewEveryMs > 0) {
      session.renewTimer = startRenewalTimer(session, settings.renewEveryMs);
      // Now too: an app session is often shorter than the interval, whose timer starts over with each start.
      void renewInBackground(session);
    }
    log.info({ protocol: session.protocol, mode: session.mode, endpoints: pool.endpoints.map((b) => b.location) }, "storage client started");
  } catch (error) {
    sharedGauges?.forget();
    session.failureMemory?.stop();
    // The hashing worker is the process's, stopped with its last user: a hold kept here would keep it for good.
    if (session.ctx !== undefined) await Sha256Offload.release(session.ctx.hasher);
    if (o.state === undefined) session.state?.close();
    session.lock?.release();
    afterFailedStart(session);
    throw error;
  }
}

/**
 * A start that failed before the client ran (E_BUSY while another client holds its folders, a state
 * it could not open, an option it refused) leaves the session new, holding nothing, so the same
 * client's start() may be called again: E_BUSY tells the application to stop the other client, and
 * its retry was refused ("cannot start: it is stopped"). One that stop() ended meanwhile stays stopped.
 */
function afterFailedStart(session: ClientSession): void {
  session.failureMemory = undefined;
  session.ctx = undefined;
  session.state = undefined;
  session.lock = undefined;
  session.settings = undefined;
  session.runs = undefined;
  session.phase = session.phase === "starting" && !session.stopController.signal.aborted ? "new" : "stopped";
}

/** A folder the client keeps its files in, made durably; the OS's refusal is E_LOCAL_IO naming the folder. */
async function makeClientDirectory(dir: string): Promise<void> {
  await makeDirectoryDurably(dir).catch((error: unknown) => {
    throw osErrorAsLocalIo(error, `creating the folder ${dir}`);
  });
}

/**
 * The application's own state handle, when the journal cannot live in it: closed, read-only (every
 * share and fetch failed E_LOCAL_IO), or at a level whose tables this protocol's journal lacks
 * (start failed on a raw SqliteError, "no such table: download_jobs"), or above its compat window.
 */
function refuseUnusableState(state: StateHandle, requiredLevel: number): void {
  const db = (state as { db?: unknown } | null)?.db;
  if (typeof state !== "object" || state === null || typeof db !== "object" || db === null) {
    // A path given here for statePath failed on Node's raw TypeError ("reading 'open'").
    throw new StorageError("E_UNSUPPORTED", `storage client option state must be a state handle (openState({ path, level })), not ${describedValue(state)}; for the database's path, pass options.statePath`, {
      details: { option: "state" },
    });
  }
  const what = !state.db.open
    ? "closed"
    : state.readOnly
      ? "opened read-only"
      : state.level < requiredLevel || state.compatLevel > requiredLevel
        ? `at level ${state.level} (compat level ${state.compatLevel})`
        : undefined;
  if (what === undefined) return;
  throw new StorageError(
    "E_UNSUPPORTED",
    `the state handle given (options.state, ${state.path}) is ${what}; this client journals in a writable state at level ${requiredLevel}: open it with openState({ path, level: ${requiredLevel} }) and keep it open while the client runs, or pass options.statePath`,
    { details: { path: state.path, level: state.level, compatLevel: state.compatLevel, requiredLevel, readOnly: state.readOnly, open: state.db.open } },
  );
}
