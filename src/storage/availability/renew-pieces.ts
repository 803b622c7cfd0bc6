import { prepareParams, sameDigest, sealRange, sha256 } from "../../crypto/index.js";
import { abortedError } from "../abort-error.js";
import type { StorageBackend } from "../backend.js";
import { retryReporter, type ClientContext } from "../client-context.js";
import { fetchPiece } from "../download/fetch-piece.js";
import { deviceTime } from "../floored-clock.js";
import type { AvailabilityRow, NetworkRead } from "../journal/availability-journal.js";
import { openAppFile, readAt } from "../file-io.js";
import { planPieces } from "../piece-plan.js";
import { classifyFailure, linkedSignal, noteEndpointFailure, withRetries } from "../retry/index.js";
import { asStorageError } from "../job-errors.js";
import type { Slots } from "../slots.js";
import { StorageError } from "../storage-error.js";
import { sourceOpenError } from "../upload/open-source.js";
import { RenewalRoom } from "./renewal-room.js";
import { RenewalRun, type Holders, type PieceFailure, type PieceInRun } from "./renewal-run.js";

export interface RenewReport {
  /** Pieces whose TTL was pushed back. */
  readonly renewed: string[];
  /** Pieces that could not be renewed, with the error code (they stay due and are tried again next time). */
  readonly failed: { cid: string; code: string }[];
}

/**
 * Renews every referenced piece of ours whose Codex TTL ends within the margin: the piece is read
 * back (verified against its sha256) and stored again, which restarts its TTL; Codex content is
 * deterministic, so the same bytes must come back under the same CID. A piece no endpoint has any
 * more is sealed again from the source file (same key, nonce prefix and position: same bytes).
 * A piece already past its expiry, or one no endpoint says it has, is sealed from the source first:
 * Codex answers a request for a block it no longer has by hanging, so reading it back would cost
 * every attempt's timeout.
 * Each piece's buffers come out of the client's transfer `memory` (transferMemoryBytes) while it
 * is renewed, as a transfer's do: a one-piece file's piece is as large as the file. A read back
 * takes the sealed piece's room; sealing from the source, its plaintext's besides (RenewalRoom).
 */
export async function renewDue(ctx: ClientContext, signal: AbortSignal, options: RenewOptions): Promise<RenewReport> {
  const { memory, networkReadEveryMs } = options;
  const now = ctx.clock.now();
  const report: RenewReport = { renewed: [], failed: [] };
  // What the run learns as it goes (an endpoint silent, the store full, an outage, a source lost), and what each makes it do.
  const run = new RenewalRun();
  const renewEach = async (piece: PieceInRun, renew: () => Promise<PieceOutcome>): Promise<void> => {
    if (signal.aborted) throw abortedError(signal.reason, "renewal");
    const stopped = run.stoppedWith;
    if (stopped === undefined) run.ended(piece, await renewOne(ctx, piece.cid, report, signal, renew));
    else if (stillReferenced(ctx, piece.cid)) failed(ctx, report, piece.cid, stopped);
  };
  // Best effort: a state refusing writes (a full disk) must not keep every piece from being renewed.
  bestEffort(ctx, "could not forget released pieces' network reads", () => ctx.availability.dropStaleNetworkReads());
  let due;
  try {
    // A clock that ran ahead journaled expiries past now + TTL; the endpoints' TTL ran from the real
    // time: those are due too (one ahead by less than the margin is renewed early enough anyway).
    due = ctx.availability.dueBefore(now + ctx.renewBeforeMs, now + ctx.ttlMs + ctx.renewBeforeMs);
  } catch (error) {
    // The journal cannot be read (a failing disk, a state closed under the client): the layer's typed error, not SQLite's.
    throw asStorageError(error);
  }
  for (const row of due) {
    const piece = run.piece(row.cid);
    await renewEach(piece, async () => {
      if (!stillReferenced(ctx, row.cid)) return false;
      const expired = row.expires_at <= now;
      // Past its expiry the endpoints are not asked, unless the store is full. The one-attempt read
      // back goes to the endpoint first in order: one that said it lacks the piece would hang on it.
      const asked = expired && !run.storeFull ? undefined : await holders(ctx, row.cid, signal, run.silent);
      const passedOver = piece.located(expired, asked);
      if (passedOver !== undefined) return passedOver;
      // The endpoint that failed the read back has the manifest, maybe not the blocks; another that
      // says it has the piece stores it again without room (else, once the store is full, it is passed over).
      const unreadable = async (failedOn: StorageBackend | undefined): Promise<PieceFailure | undefined> =>
        piece.readBackFailed(failedOn === undefined ? undefined : await holders(ctx, row.cid, signal, run.silent, new Set([failedOn])));
      const renewed = await renewPiece(ctx, row.cid, piece.lacking, signal, memory, unreadable);
      if (typeof renewed !== "object" || !("sourceError" in renewed)) return renewed;
      run.sourceLost(piece, renewed.sourceError);
      return false;
    });
  }
  for (const { piece, sourceError } of run.lastPass()) {
    await renewEach(piece, async () => {
      const row = ctx.availability.get(piece.cid);
      if (row?.referenced !== 1) return false;
      // Not sealed from the source again: this run's first pass just found it cannot be.
      if (!networkReadDue(ctx, row, now, networkReadEveryMs)) return { error: sourceError, outage: undefined };
      // Put off unasked (past its expiry, the store not known full then) and the store found full
      // since: asked now before it is passed over, as the first pass does, since a full node may
      // still hold it and take it again without room (else it expired there for every receiver).
      const passedOver = run.storeFull && piece.unasked ? piece.located(true, await holders(ctx, piece.cid, signal, run.silent)) : piece.resumed();
      return passedOver ?? readFromNetwork(ctx, piece.cid, sourceError, signal, memory, run.silent);
    });
  }
  // One line a run, not one a piece: offline, every due piece fails, each run (hundreds of lines at warn).
  if (report.failed.length > 0) {
    const codes = [...new Set(report.failed.map((f) => f.code))].sort();
    ctx.log.warn({ failed: report.failed.length, renewed: report.renewed.length, codes }, "renewal run: pieces not renewed; they stay due and are tried again next run");
  }
  return report;
}

export interface RenewOptions {
  /** The client's transfer memory (transferMemoryBytes), which each piece's buffers come out of. */
  readonly memory?: Slots;
  /** How often a piece only the network can renew is read from it (networkReadDue): the renewal interval. */
  readonly networkReadEveryMs: number;
}

/**
 * Whether a piece only a network read can renew (gone from the endpoints that answered, its source
 * gone or changed) is read in this run. Each read asks every endpoint with the policy's attempts,
 * which Codex answers by hanging; made every run, a phone app started many times a day made it at
 * every start, for good. So at most once per renewal interval, counted across runs and restarts
 * in the journal from when it began (a session that ends during the hang spent it too); a read that
 * gives the piece back, or finds the endpoints unreachable (offline), does not count, so the run
 * after an outage reads again.
 * And never again once a read made after the piece's journaled expiry (its last confirmed storage
 * a TTL ago) found no endpoint with it (each answered definitely that it lacks it: foundNowhere;
 * not a read cut short by the session's end): a node drops a block once its TTL passed, so nothing brings
 * it back; the file is `expired` in status(), and the piece is reported failed with its source's
 * error each run without a request (the source put back renews it). Not on the expiry alone: a
 * node with a longer TTL than ttlMs still has it, and a client offline at the expiry would give up
 * a piece the network still holds. Not while the device clock reads before the expiry (set back,
 * or the client's floor ahead of a clock put right): the TTL may not have passed.
 */
function networkReadDue(ctx: ClientContext, row: AvailabilityRow, now: number, everyMs: number): boolean {
  const last = ctx.availability.lastNetworkRead(row.cid);
  // One from before the piece was last stored, or ahead of now (a clock floor dropped since), does not count.
  // A store journaled ahead of now (a clock that ran ahead, put right since) cannot be told before or
  // after the read: the read counts (a renewal forgets it anyway), else every run read it until the real time caught up.
  const stored = Math.max(row.uploaded_at, row.renewed_at ?? 0);
  if (last === undefined || (last.at <= stored && stored <= now) || last.at > now) return true;
  const expired = row.expires_at <= now && row.expires_at <= deviceTime(ctx.clock);
  if (expired && last.foundNowhere && last.at >= row.expires_at) return false;
  return now - last.at >= everyMs;
}

/** Released since the run listed it (a chat deleted meanwhile): not renewed, nor reported. */
function stillReferenced(ctx: ClientContext, cid: string): boolean {
  try {
    return ctx.availability.get(cid)?.referenced === 1;
  } catch (error) {
    // The journal cannot be read any more (a state closed under the client, a failing disk): the layer's typed error, not SQLite's.
    throw asStorageError(error);
  }
}

/**
 * What one piece's renewal came to: true renewed; false put off or released (not reported); a
 * failure reported with its error, and `outage` set when a read behind it used up its attempts on
 * transient failures (the piece reports its source, the run still learns it is offline).
 */
type PieceOutcome = boolean | PieceFailure;

/**
 * Runs one piece's renewal and reports it. Gives the code of a failure that was transient (its
 * attempts used up) or a full store's, or the outage a reported failure carries, else undefined.
 */
async function renewOne(ctx: ClientContext, cid: string, report: RenewReport, signal: AbortSignal, renew: () => Promise<PieceOutcome>): Promise<string | undefined> {
  try {
    const outcome = await renew();
    if (outcome === false) return undefined;
    if (outcome !== true) {
      failed(ctx, report, cid, outcome.error.code);
      return classifyFailure(outcome.error) === "retry" ? outcome.error.code : outcome.outage;
    }
    const at = ctx.clock.now();
    ctx.availability.renewed(cid, at + ctx.ttlMs, at);
    bestEffort(ctx, "could not forget a renewed piece's network read", () => ctx.availability.networkRead(cid, undefined), cid);
    ctx.metrics.renewals.inc({ outcome: "renewed" });
    report.renewed.push(cid);
    return undefined;
  } catch (error) {
    if (signal.aborted) throw abortedError(signal.reason, "renewal");
    const typed = asStorageError(error);
    failed(ctx, report, cid, typed.code);
    return classifyFailure(typed) === "retry" || typed.code === "E_QUOTA_EXCEEDED" ? typed.code : undefined;
  }
}

function failed(ctx: ClientContext, report: RenewReport, cid: string, code: string): void {
  ctx.metrics.renewals.inc({ outcome: "failed" });
  // At debug: the run's one warn line sums them (renewDue).
  ctx.log.debug({ cid, code }, "renewal failed");
  report.failed.push({ cid, code });
}

/**
 * What the endpoints' /exists says of `cid` (it looks only at the node's own store and answers at
 * once): `none` when every endpoint answered that it lacks it, `first-lacks` when the one a read
 * would try first did, else `maybe`. One that could not be asked may still have it; it joins
 * `silent`, and is not asked again in this run. Asked in the transfers' order (this client's own,
 * the one that worked first, one that failed last), and a failure counts for transfers too.
 * Those in `known` already answered that they lack it (a read's "not found"): not asked again.
 */
async function holders(ctx: ClientContext, cid: string, signal: AbortSignal, silent: Set<StorageBackend>, known?: ReadonlySet<StorageBackend>): Promise<Holders> {
  let firstLacks = false;
  for (const [k, index] of ctx.pool.inOrder().entries()) {
    const backend = ctx.pool.at(index);
    const lacking = firstLacks ? "first-lacks" : "maybe";
    if (known?.has(backend) !== true) {
      // One that asked to be left alone (Retry-After) is not asked meanwhile, as no transfer asks it: it may have the piece.
      if (silent.has(backend) || ctx.pool.coolingFor(index) > 0) return lacking;
      try {
        if (await backend.has(cid, { signal })) return lacking;
      } catch (error) {
        if (signal.aborted) throw error;
        noteEndpointFailure(ctx.pool, ctx.policy, index, error);
        silent.add(backend);
        return lacking;
      }
    }
    if (k === 0) firstLacks = true;
  }
  return "none";
}

/** A piece the source cannot give (gone or changed), put off for the run's last pass, with the source's error. */
interface SourceLost {
  readonly sourceError: StorageError;
}

type UploadedPiece = NonNullable<ReturnType<ClientContext["uploads"]["pieceByCid"]>>;

function uploadedPiece(ctx: ClientContext, cid: string): UploadedPiece {
  const origin = ctx.uploads.pieceByCid(cid);
  if (origin === undefined) throw new StorageError("E_NOT_FOUND", `no upload of this client stored ${cid}; it cannot be renewed`, { details: { cid } });
  return origin;
}

/**
 * `gone`: past its expiry, or no endpoint has it; then it is sealed from the source before anything
 * is read. Otherwise it is read back, in one attempt, and sealed from the source when that fails.
 * False when it was released meanwhile.
 */
async function renewPiece(
  ctx: ClientContext,
  cid: string,
  gone: boolean,
  signal: AbortSignal,
  memory: Slots | undefined,
  unreadable: (failedOn: StorageBackend | undefined) => Promise<PieceFailure | undefined>,
): Promise<PieceOutcome | SourceLost> {
  const origin = uploadedPiece(ctx, cid);
  // The sealed buffer (from the client's pool: reused piece after piece, and handed to the hashing
  // worker without a copy) and, once it is to be sealed again from its source, the plaintext read for that.
  const sizes = { sealed: origin.size, plain: plainSizeOf(ctx, origin.job_id, origin.idx) };
  const what = `renewal of ${cid} (waiting for transfer memory)`;
  // Sealed first: its room is taken once the source is open (a source gone takes none).
  const room = gone ? RenewalRoom.empty(ctx.buffers, memory, what, sizes) : await RenewalRoom.take(ctx.buffers, memory, signal, what, sizes, false);
  try {
    return await renewHeldPiece(ctx, cid, origin, room, gone, signal, unreadable);
  } finally {
    room.giveBack();
  }
}

/**
 * The last resort for a piece the source cannot give: read back with the policy's attempts (the
 * sealed piece's room only: nothing is sealed), and stored again. A failed read reports the
 * source's error, what the user can act on (E_SOURCE_MISSING / E_SOURCE_CHANGED / E_LOCAL_IO).
 */
async function readFromNetwork(
  ctx: ClientContext,
  cid: string,
  sourceError: StorageError,
  signal: AbortSignal,
  memory: Slots | undefined,
  silent: Set<StorageBackend>,
): Promise<PieceOutcome> {
  const origin = uploadedPiece(ctx, cid);
  const room = await RenewalRoom.take(ctx.buffers, memory, signal, `renewal of ${cid} (waiting for transfer memory)`, { sealed: origin.size, plain: 0 }, false);
  try {
    const counted = countNetworkRead(ctx, cid);
    // Each endpoint's answers: the last one alone may be another's "not found" after one refused for its own reason.
    const answers = new Map<StorageBackend, string[]>();
    let bytes: Buffer;
    try {
      bytes = await pieceReader(ctx, cid, origin, room, signal, (error, backend) => {
        answers.set(backend, [...(answers.get(backend) ?? []), asStorageError(error).code]);
      })();
      counted.uncount();
    } catch (readError) {
      // Stopped or cut by the session's end during it: counted (Codex hangs on a block it lost).
      if (signal.aborted || classifyFailure(readError) === "fatal") throw readError;
      // Offline: every other piece's read would fail alike, each costing the policy's attempts. Not a
      // read that timed out or came short: Codex's answer for a block it lost, this piece's alone.
      const readCode = asStorageError(readError).code;
      const offline = classifyFailure(readError) === "retry" && readCode !== "E_TIMEOUT" && readCode !== "E_TRUNCATED";
      // No endpoint reached (or the application closed the backend): nothing learnt of the piece.
      if (offline || readCode === "E_CLIENT_CLOSED") counted.uncount();
      else if (await foundNowhere(ctx, cid, answers, signal, silent)) counted.foundNowhere();
      return { error: sourceError, outage: offline ? readCode : undefined };
    }
    return await storeAgain(ctx, cid, bytes, signal);
  } finally {
    room.giveBack();
  }
}

/**
 * Whether a failed network read found the piece nowhere, which gives it up for good once its
 * expiry passed (networkReadDue): only on a definite answer from every endpoint that it lacks the
 * piece, its read's "not found" or, failing that, its /exists. Never on a timeout, a reset or an
 * outage: a network that silently drops connections looks just like Codex hanging on a block it
 * lost, and took for "nowhere" gave up a piece the node held while the device was merely offline.
 * Not either when an endpoint refused the read for a reason of its own (a full disk's 507, a
 * proxy's 501, bytes that do not hash): that is put right, and the read counts as a read only.
 */
async function foundNowhere(ctx: ClientContext, cid: string, answers: ReadonlyMap<StorageBackend, readonly string[]>, signal: AbortSignal, silent: Set<StorageBackend>): Promise<boolean> {
  const codes = [...answers.values()].flat();
  if (codes.length === 0 || !codes.every((code) => LACKS_OR_SILENT.has(code))) return false;
  // Answered "not found" on every try: no need to ask again. One that timed out or broke off, or was never tried, is asked.
  const notFound = new Set([...answers].filter(([, own]) => own.every((code) => code === "E_NOT_FOUND")).map(([backend]) => backend));
  return (await holders(ctx, cid, signal, silent, notFound)) === "none";
}

/** A network read's failures that may mean the endpoints lack the piece: answered without it, or hung or broke off (Codex's answer for a block it lost, and a dropping network's). */
const LACKS_OR_SILENT = new Set(["E_NOT_FOUND", "E_TIMEOUT", "E_TRUNCATED"]);

/** A piece's plaintext size per its upload's plan; 0 when that cannot be told (sealing from the source then fails before reading). */
function plainSizeOf(ctx: ClientContext, jobId: string, index: number): number {
  const job = ctx.uploads.get(jobId);
  if (job === undefined) return 0;
  try {
    return planPieces(job.plaintext_size, job.chunk_size, job.piece_size).pieces[index]?.plainSize ?? 0;
  } catch {
    return 0;
  }
}

/** Reads the piece back into the room's sealed buffer (verified against its sha256), with `policy`'s attempts. */
function pieceReader(
  ctx: ClientContext,
  cid: string,
  origin: UploadedPiece,
  room: RenewalRoom,
  signal: AbortSignal,
  onAttemptFailed?: (error: unknown, backend: StorageBackend) => void,
): (policy?: ClientContext["policy"]) => Promise<Buffer> {
  const piece = { cid, size: origin.size, sha256: origin.sha256 };
  return async (policy = ctx.policy) => {
    const what = `renewal read of ${cid}`;
    const read = await withDeadline(ctx, signal, what, (bounded) =>
      withRetries({ pool: ctx.pool, policy, signal: bounded, what, random: ctx.random, onRetry: retryReporter(ctx, "down", what) }, (backend, s, progress) =>
        fetchPiece(backend, piece, origin.idx, room.sealed, s, ctx.hasher, progress).catch((error: unknown) => {
          onAttemptFailed?.(error, backend);
          throw error;
        }),
      ),
    );
    // Traffic like any transfer's (a phone on metered data counts it): fetched and verified.
    ctx.metrics.bytes.inc({ direction: "down" }, read.byteLength);
    return read;
  };
}

/**
 * `unreadable`: told when the read back failed, and on which endpoint (undefined: none was tried),
 * since that one needs room to store the piece again; a failure to report instead of sealing it.
 */
async function renewHeldPiece(
  ctx: ClientContext,
  cid: string,
  origin: UploadedPiece,
  room: RenewalRoom,
  gone: boolean,
  signal: AbortSignal,
  unreadable: (failedOn: StorageBackend | undefined) => Promise<PieceFailure | undefined>,
): Promise<PieceOutcome | SourceLost> {
  let failedOn: StorageBackend | undefined;
  const readBack = pieceReader(ctx, cid, origin, room, signal, (_error, backend) => {
    failedOn = backend;
  });
  let bytes: Buffer | undefined;
  if (!gone) {
    // One attempt: the source is there to fall back on. A node that kept the manifest but lost the
    // blocks stalls every read, and the policy's attempts cost minutes per piece, longer than a phone session.
    bytes = await readBack({ ...ctx.policy, maxAttempts: 1 }).catch((error: unknown) => {
      // Stopping (E_CLIENT_CLOSED, which from a backend only means that one is closed): no source read.
      if (signal.aborted || classifyFailure(error) === "fatal") throw error;
      return undefined;
    });
    const refused = bytes === undefined ? await unreadable(failedOn) : undefined;
    if (refused !== undefined) return refused;
  }
  if (bytes === undefined) {
    try {
      bytes = await resealFromSource(ctx, origin.job_id, origin.idx, origin.sha256, room, signal);
    } catch (sourceError) {
      // The source is gone or changed: the network may still have the piece after all (the run's last pass).
      if (signal.aborted) throw sourceError;
      return { sourceError: asStorageError(sourceError) };
    }
  }
  return storeAgain(ctx, cid, bytes, signal);
}

/** Stores the verified sealed piece again (which restarts its TTL); false when it was released meanwhile. */
async function storeAgain(ctx: ClientContext, cid: string, sealed: Buffer, signal: AbortSignal): Promise<boolean> {
  // Released while it was read (a chat deleted meanwhile): storing it again would send the whole piece for nothing.
  if (!stillReferenced(ctx, cid)) return false;
  const what = `renewal write of ${cid}`;
  let fullRefusal: unknown;
  try {
    await withDeadline(ctx, signal, what, (bounded) =>
      withRetries({ pool: ctx.pool, policy: ctx.policy, signal: bounded, what, random: ctx.random, onRetry: retryReporter(ctx, "up", what) }, async (backend, s, progress) => {
        const again = await backend.put(sealed, { signal: s, size: sealed.byteLength, progress }).catch((error: unknown) => {
          if ((error as { code?: unknown } | null)?.code === "E_QUOTA_EXCEEDED") fullRefusal = error;
          throw error;
        });
        // Checked per endpoint: another build (a manifest recording more) gives the same bytes another
        // CID, and E_INTEGRITY moves the renewal to an endpoint that gives the reference's.
        if (again !== cid) {
          throw new StorageError(
            "E_INTEGRITY",
            `storing ${cid} again on ${backend.kind} endpoint ${backend.location} gave another CID (${again}); it does not address this content as the endpoint that first stored it did`,
            { details: { cid, again, endpoint: backend.location } },
          );
        }
        ctx.metrics.bytes.inc({ direction: "up" }, sealed.byteLength);
      }),
    );
  } catch (error) {
    // One endpoint refused it for a full store and the others could not be reached: no outage (the
    // full one still takes the pieces it holds: renewDue's fullStore), but that refusal.
    if (fullRefusal !== undefined && !signal.aborted && classifyFailure(error) === "retry") throw fullRefusal;
    throw error;
  }
  return true;
}

/**
 * Journals a network read of `cid` as it begins (networkReadDue); `uncount()` puts back what was
 * there when it does not count, `foundNowhere()` notes that the endpoints answered it without the
 * piece. Best effort: a journal refusing writes (a full disk) costs one more read in a later run,
 * not this piece's renewal or report.
 */
function countNetworkRead(ctx: ClientContext, cid: string): { uncount(): void; foundNowhere(): void } {
  const why = "could not journal a renewal's network read";
  const at = ctx.clock.now();
  let before: NetworkRead | undefined;
  bestEffort(
    ctx,
    why,
    () => {
      before = ctx.availability.lastNetworkRead(cid);
      ctx.availability.networkRead(cid, { at, foundNowhere: false });
    },
    cid,
  );
  return {
    uncount: () => bestEffort(ctx, why, () => ctx.availability.networkRead(cid, before), cid),
    foundNowhere: () => bestEffort(ctx, why, () => ctx.availability.networkRead(cid, { at, foundNowhere: true }), cid),
  };
}

/** The network reads' bookkeeping: a write the journal refuses (a full disk) is logged, and costs at most a read more later. */
function bestEffort(ctx: ClientContext, message: string, write: () => void, cid?: string): void {
  try {
    write();
  } catch (error) {
    ctx.log.warn({ ...(cid === undefined ? {} : { cid }), code: asStorageError(error).code }, message);
  }
}

/**
 * A renewal has no job around it, so each of its transfers gets the job deadline: progress keeps a
 * slow one going past attemptTimeoutMs, this still ends one a node trickles (a read-back then
 * falls back to the source).
 */
async function withDeadline<T>(ctx: ClientContext, signal: AbortSignal, what: string, run: (bounded: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = linkedSignal(signal, ctx.policy.deadlineMs, what, ctx.timers);
  try {
    return await run(deadline.signal);
  } finally {
    deadline.dispose();
  }
}

async function resealFromSource(ctx: ClientContext, jobId: string, index: number, expected: Uint8Array, room: RenewalRoom, signal: AbortSignal): Promise<Buffer> {
  const job = ctx.uploads.get(jobId);
  if (job === undefined) throw new StorageError("E_SOURCE_MISSING", `upload ${jobId} is no longer in the journal`);
  const plan = planPieces(job.plaintext_size, job.chunk_size, job.piece_size);
  const span = plan.pieces[index];
  if (span === undefined) throw new StorageError("E_SOURCE_CHANGED", `upload ${jobId} has no piece ${index}`);
  let handle;
  try {
    handle = await openAppFile(job.source_path);
  } catch (cause) {
    // Typed as the share path types it (bd5e069): gone is E_SOURCE_MISSING, the disk refusing (EACCES, EIO) E_LOCAL_IO.
    throw sourceOpenError(cause, job.source_path, `piece ${index} of upload ${jobId}`, "gone from every endpoint and its source file is gone");
  }
  try {
    await room.forSealing(signal);
    const out = room.sealed;
    const plain = ctx.buffers.take(span.plainSize);
    try {
      let read: number;
      try {
        read = await readAt(handle, plain, span.plainOffset);
      } catch (cause) {
        // A folder now at that path (EISDIR): no source to rebuild from. A file the disk fails to read (EIO) is E_LOCAL_IO, as on the share path.
        if ((cause as { code?: unknown } | null)?.code === "EISDIR") {
          throw new StorageError("E_SOURCE_MISSING", `piece ${index} of upload ${jobId} is gone from every endpoint and its source path is now a folder`, { cause });
        }
        throw sourceOpenError(cause, job.source_path, `piece ${index} of upload ${jobId}`, "gone from every endpoint and its source file is gone");
      }
      if (read !== span.plainSize) throw new StorageError("E_SOURCE_CHANGED", `the source of upload ${jobId} got shorter`);
      const params = prepareParams({ key: job.enc_key, noncePrefix: job.nonce_prefix, chunkSize: job.chunk_size });
      const sealed = out.subarray(0, sealRange(params, { firstChunk: span.firstChunk, totalChunks: plan.totalChunks }, plain, out));
      if (!sameDigest(sha256(sealed), expected)) throw new StorageError("E_SOURCE_CHANGED", `the source of upload ${jobId} changed; piece ${index} cannot be rebuilt`);
      return sealed;
    } finally {
      ctx.buffers.give(plain);
    }
  } finally {
    await handle.close();
  }
}
