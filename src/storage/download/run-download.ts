import { existsSync, type Stats } from "node:fs";
import { lstat, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { ChunkOpener, CryptoError, openRange, prepareParams, sameDigest, sealedChunkSize, type PreparedParams } from "../../crypto/index.js";
import type { FileReference } from "../../wire/index.js";
import { keepReplacedAttributes } from "../../fs/index.js";
import { isTimeoutReason, throwIfAborted } from "../abort-error.js";
import { retryReporter, type ClientContext } from "../client-context.js";
import { MIN_CHUNK_SIZE } from "../client-options.js";
import { isCidText } from "../content-id.js";
import { fileSha256 } from "../file-digest.js";
import { makeDirectoryDurably, readAt, SlotBuffers, syncDirectory, writeAt } from "../file-io.js";
import type { JobMachine } from "../job-machine.js";
import type { DownloadJobRow } from "../journal/download-journal.js";
import { OrderedHash } from "../ordered-hash.js";
import { orderedWindow } from "../ordered-window.js";
import { plainBytesOf, planOfReference, type PiecePlan, type PieceSpan } from "../piece-plan.js";
import { JobRemainder, withRetries } from "../retry/index.js";
import { RETRY_FETCHES_AGAIN } from "../retry-advice.js";
import { Slots } from "../slots.js";
import { StorageError } from "../storage-error.js";
import { osErrorAsLocalIo } from "../job-errors.js";
import type { TransferJob } from "../transfer-job.js";
import { fetchPiece } from "./fetch-piece.js";
import { GroupSync } from "./group-sync.js";
import { OpenSteps, openStepPlainBytes } from "./open-steps.js";
import { slotSizes } from "./slot-sizes.js";
import { KEPT_PIECES_MARK, RESUME_KEPT_PIECES } from "../journal/pending-jobs.js";
import { RunProgress } from "../run-progress.js";
import type { TakeTurn } from "../job-queue.js";
import { StalledPieces } from "./stalled-pieces.js";
import { createTemp, passingCause, reopenTemp } from "./reopen-temp.js";

export interface FetchResult {
  readonly jobId: string;
  /**
   * The verified file: `out`, or, fetched into the cache, the cache's own file, which may be evicted
   * (least recently used first) once served, when room is needed under the quota: fetch again
   * rather than keep this path (a cache hit while the file is there).
   */
  readonly path: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  /** Served from the client's cache without touching the network. */
  readonly fromCache: boolean;
}

/** A reference the receiver will not even start on: over the file limit. */
export function checkReceivable(ctx: ClientContext, view: FileReference): void {
  if (view.encryption.chunkSize < MIN_CHUNK_SIZE && view.plaintextSize > view.encryption.chunkSize) {
    // Sealed in chunks this small, opening the file would hold the main thread for seconds to minutes.
    throw new StorageError(
      "E_BAD_REFERENCE",
      `the shared file is sealed in ${view.encryption.chunkSize}-byte chunks, under this client's ${MIN_CHUNK_SIZE}-byte minimum; nothing was downloaded`,
      { details: { chunkSize: view.encryption.chunkSize, minimum: MIN_CHUNK_SIZE } },
    );
  }
  if (view.plaintextSize > ctx.maxFileBytes) {
    throw new StorageError("E_FILE_TOO_LARGE", `the shared file is ${view.plaintextSize} bytes, over this client's ${ctx.maxFileBytes}-byte limit; nothing was downloaded`, {
      details: { size: view.plaintextSize, limit: ctx.maxFileBytes },
    });
  }
  // The wire layer checks a CID's syntax only: one that does not parse would be journaled, then fail on every endpoint.
  const bad = view.pieces.findIndex((piece) => !isCidText(piece.cid));
  if (bad >= 0) {
    throw new StorageError("E_BAD_REFERENCE", `piece ${bad} of the shared file is named by text that is not a CID; the reference is damaged and nothing was downloaded`, {
      details: { piece: bad },
    });
  }
}

/**
 * One run of a download job: pieces are fetched in parallel (bounded), each verified against its
 * sha256 before it is decrypted, written at its offset into the temp file, then synced and
 * journaled in groups while the next pieces are fetched (at most a window's worth waits for a
 * sync). The whole-file sha256 is checked in order as pieces complete; only then is the temp file
 * renamed onto the destination. A failure removes the temp file: no partial output, ever.
 */
export async function runDownload(
  ctx: ClientContext,
  row: DownloadJobRow,
  view: FileReference,
  machine: JobMachine,
  job: TransferJob<FetchResult> | undefined,
  signal: AbortSignal,
  /** The queue's turn (JobQueue's TakeTurn): a run whose pieces stall gives its slot to a waiting job. */
  turn?: TakeTurn,
): Promise<FetchResult> {
  checkReceivable(ctx, view);
  const plan = planOfReference(view, ctx.maxPieceBytes);
  const params = prepareParams(view.encryption);
  machine.start();
  const verifiedBefore = ctx.downloads.verifiedPieces(row.id).size;
  try {
    return await downloadIntoPlace(ctx, row, view, plan, params, job, signal, turn);
  } catch (error) {
    if (signal.aborted && isTimeoutReason(signal.reason)) throw deadlineKeepingPieces(ctx, row, verifiedBefore, error);
    if (!signal.aborted && error instanceof StorageError && error.retryable) throw outageKeepingPieces(ctx, row, verifiedBefore, error);
    // A failed write on a file handle names no file: say which download and destination it hit.
    throw osErrorAsLocalIo(error, `download ${row.id} to ${row.dest_path}`);
  }
}

/**
 * How long after its latest verified piece a download out of retries keeps its pieces when its run
 * verified none more. An outage (offline, every endpoint down) often outlasts a run: a phone still
 * in a tunnel at the next start, a retry() tapped before the network is back. Dropping the pieces
 * then lost the progress of every earlier run, and on a flaky link a 50 MiB file might never arrive.
 * A day bounds a download that can never finish (its remaining pieces gone from every endpoint,
 * where a Codex node hangs until the attempts run out, E_TIMEOUT): its temp file goes at its first
 * run ending so a day after its last progress.
 */
export const OUTAGE_KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * A download that ran out of retries on a transient failure (an outage: the final error retryable,
 * E_BACKEND_UNREACHABLE, E_BACKEND_HTTP, E_TIMEOUT, E_TRUNCATED) keeps its verified pieces for a
 * resume (KEPT_PIECES_MARK, its own code), as one cut by its job deadline does: retry(), or the next
 * start, fetches only the others. Bounded: a run that verified no more keeps them only within
 * OUTAGE_KEEP_MS of the latest piece verified; one with none keeps nothing.
 */
function outageKeepingPieces(ctx: ClientContext, row: DownloadJobRow, before: number, error: StorageError): StorageError {
  let kept: number;
  let lastVerifiedAt: number | undefined;
  try {
    kept = ctx.downloads.verifiedPieces(row.id).size;
    lastVerifiedAt = ctx.downloads.lastVerifiedAt(row.id);
  } catch {
    return error;
  }
  const progressed = kept > before;
  if (kept === 0 || (!progressed && (lastVerifiedAt === undefined || ctx.clock.now() - lastVerifiedAt > OUTAGE_KEEP_MS))) return error;
  return new StorageError(
    error.code,
    `download ${row.id} to ${row.dest_path} ran out of retries (${error.message}) with ${kept} pieces verified into its temp file; ${RESUME_KEPT_PIECES} goes on from those${KEPT_PIECES_MARK}`,
    { cause: error, details: { ...error.details, job: row.id, keptPieces: kept } },
  );
}

/**
 * A download cut by its job deadline after it verified more pieces keeps them (KEPT_PIECES_MARK),
 * and the next start resumes it: started over, a slow link (under 28 KiB/s for a 50 MiB file in 30
 * minutes) ran into the same deadline at the same point on every retry(), and the file could never
 * be received. A run that verified nothing more fails as before (the pieces go), so resumes that
 * make no progress do not come back at every start.
 */
function deadlineKeepingPieces(ctx: ClientContext, row: DownloadJobRow, before: number, error: unknown): unknown {
  let kept: number;
  try {
    kept = ctx.downloads.verifiedPieces(row.id).size;
  } catch {
    return error;
  }
  if (kept <= before) return error;
  return new StorageError("E_TIMEOUT", `download ${row.id} to ${row.dest_path} ran out of its time (the job deadline) with ${kept} pieces verified into its temp file; ${RESUME_KEPT_PIECES} goes on from those${KEPT_PIECES_MARK}`, {
    cause: error,
    details: { job: row.id, keptPieces: kept },
  });
}

/** Fetches into the temp file, checks the whole file, and renames it onto the destination. */
async function downloadIntoPlace(
  ctx: ClientContext,
  row: DownloadJobRow,
  view: FileReference,
  plan: PiecePlan,
  params: PreparedParams,
  job: TransferJob<FetchResult> | undefined,
  signal: AbortSignal,
  turn: TakeTurn | undefined,
): Promise<FetchResult> {
  // One level at a time (Node's recursive mkdir loops for ever under /proc), each new folder synced
  // into its parent so the rename below survives a power loss with the folder it went into.
  await makeDirectoryDurably(dirname(row.temp_path)).catch((error: unknown) => {
    throw throughAFile(error, row);
  });
  await refuseSpecialDestination(row);
  let verified = ctx.downloads.verifiedPieces(row.id);
  // A temp file that is there but cannot be opened (too many files open, a folder in its place)
  // throws here with its verified pieces still journaled: only a missing one is started over.
  let temp = verified.size > 0 ? await reopenTemp(row, verified.size, ctx.log) : undefined;
  if (temp === undefined && verified.size > 0) {
    // Every piece journaled and no temp file: a crash came between the rename below and the done row.
    if (plan.pieces.every((p) => verified.has(p.index))) {
      const placed = await renamedEarlier(ctx, row, view, signal);
      if (placed !== undefined) return placed;
    }
    // The temp file is gone (cleaned up, disk wiped), or what is at its name is not the file this
    // client made (a hard link or another user's file put there): start the file over.
    ctx.downloads.forgetPieces(row.id);
    verified = new Set();
  }
  temp ??= await createTemp(row, ctx.log);
  let renamed = false;
  try {
    if (verified.size > 0) verified = await checkTempFile(ctx, row, plan, verified, temp);
    let digest = await writePieces(ctx, row, view, plan, params, verified, temp, job, signal, turn);
    if (!sameDigest(digest, view.plaintextSha256) && verified.size > 0) {
      // Every fetched piece matched its sha256, so pieces read back from an earlier run's temp file
      // were changed since (edited, a disk error): not the reference's fault. Fetched again, all.
      ctx.log.warn({ job: row.id }, "a resumed download's temp file no longer holds what was written: fetching every piece again");
      ctx.downloads.forgetPieces(row.id);
      verified = new Set();
      digest = await writePieces(ctx, row, view, plan, params, verified, temp, job, signal, turn);
    }
    if (!sameDigest(digest, view.plaintextSha256)) {
      ctx.downloads.forgetPieces(row.id);
      throw new StorageError("E_INTEGRITY", `download ${row.id}: the decrypted file does not hash to the reference's plaintext sha256; the reference is wrong`, {
        details: { job: row.id },
      });
    }
    await keepReplacedFileAttributes(row, temp, plan.pieces.length);
    // The file written and verified, to be found again at the temp file's name before the rename.
    const written = await temp.stat();
    await temp.sync();
    await temp.close();
    // A cancel during the steps above returned to the application as done: the file must not appear.
    throwIfAborted(signal, `download ${row.id}`);
    // The same file fetched twice at once: the first download's file may already be read by an
    // upload (a forward), which a rename over it would fail with E_SOURCE_CHANGED. Same bytes: kept.
    if (await ctx.cache.keepsPinnedCopy(ctx.dirs.cache, row.dest_path, row.temp_path)) {
      renamed = true;
      await unlink(row.temp_path);
      return { jobId: row.id, path: row.dest_path, size: view.plaintextSize, sha256: digest, fromCache: false };
    }
    await placeVerifiedFile(row, plan.pieces.length, written);
    renamed = true;
    await syncPlacedFolder(row, plan.pieces.length);
    return { jobId: row.id, path: row.dest_path, size: view.plaintextSize, sha256: digest, fromCache: false };
  } finally {
    if (!renamed) await temp.close().catch(() => undefined);
  }
}

/**
 * Refused before anything is fetched: a folder, which the rename at the end could never replace,
 * and a pipe, device or socket (itself or behind a link), which it would replace with a regular
 * file: a reader waiting on the pipe waits for ever, and `/dev/null` (as root) stops being one.
 */
async function refuseSpecialDestination(row: DownloadJobRow): Promise<void> {
  // Nothing there yet is the usual case; a name the file system can never hold (ENAMETOOLONG), a
  // loop of links or a folder it may not look into fails now, not at the rename after the whole file.
  const there = await lstat(row.dest_path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  const linked = there?.isSymbolicLink() === true;
  const target = linked ? await stat(row.dest_path).catch(() => undefined) : there;
  // A link to a folder too: the rename replaced the link with the file, where a folder itself is refused
  // (the application asked for a file in that folder, or for the folder, never for its link to go).
  if (target?.isDirectory() === true) {
    throw new StorageError("E_LOCAL_IO", `download ${row.id}: its destination ${row.dest_path} is a folder${linked ? " behind a symbolic link" : ""}; fetch to a file's path (a name inside that folder)`, {
      details: { job: row.id, code: "EISDIR" },
    });
  }
  if (target === undefined || !(target.isFIFO() || target.isCharacterDevice() || target.isBlockDevice() || target.isSocket())) return;
  const kind = target.isFIFO() ? "fifo" : target.isSocket() ? "socket" : "device";
  const what = { fifo: "a pipe (FIFO)", socket: "a socket", device: "a device" }[kind];
  throw new StorageError(
    "E_LOCAL_IO",
    `download ${row.id}: its destination ${row.dest_path} is ${what}${linked ? " behind a symbolic link" : ""}, not a file; a download replaces its destination with the verified file, so fetch to a file's path (fetchStream streams the bytes)`,
    { details: { job: row.id, destination: kind } },
  );
}

/**
 * A destination whose path goes through a file (ENOTDIR) said as such, naming that file: the OS's
 * code alone read as a disk problem (check free space and permissions), which it is not.
 */
function throughAFile(error: unknown, row: DownloadJobRow): unknown {
  // makeDirectories names the component in the way (links followed: a link to a folder is a folder on the way).
  const { code, path, kind } = (error ?? {}) as { code?: unknown; path?: unknown; kind?: unknown };
  if (code !== "ENOTDIR" || typeof path !== "string") return error;
  const what = kind === "file" ? "a file, not a folder" : "not a folder";
  return new StorageError("E_LOCAL_IO", `download ${row.id} to ${row.dest_path}: its folder cannot be made, ${path} is ${what}; fetch to another path`, {
    cause: error,
    details: { job: row.id, code: "ENOTDIR", path },
  });
}

/**
 * The destination as an earlier run renamed it there, when it still holds exactly the reference's
 * plaintext (the application may have written to it since): the job is done without a fetch.
 */
export async function renamedEarlier(ctx: ClientContext, row: DownloadJobRow, view: FileReference, signal: AbortSignal): Promise<FetchResult | undefined> {
  const info = await lstat(row.dest_path).catch(() => undefined);
  if (info?.isFile() !== true || info.size !== view.plaintextSize) return undefined;
  // The hash stops with the run (a whole large file: seconds on a phone). A stop or cancel during it
  // must end the run as such, with its pieces kept, not be read as a destination that does not match.
  const digest = await fileSha256(ctx.hasher, row.dest_path, view.plaintextSize, signal).catch((error: unknown) => {
    if (signal.aborted) throw error;
    return undefined;
  });
  if (digest === undefined || !sameDigest(digest, view.plaintextSha256)) return undefined;
  // The rename may not have reached the disk (its folder's sync failed, or a crash came first).
  await syncPlacedFolder(row, view.pieces.length);
  return { jobId: row.id, path: row.dest_path, size: view.plaintextSize, sha256: digest, fromCache: false };
}

/**
 * Syncs the destination's folder after the rename, so it survives a power cut. The verified file is
 * in place by then: a sync that could not run for a passing cause (too many files open) fails the
 * job with its pieces kept (KEPT_PIECES_MARK), so retry() and the next start find the file there
 * (renamedEarlier) instead of fetching it all again.
 */
async function syncPlacedFolder(row: DownloadJobRow, pieces: number): Promise<void> {
  try {
    await syncDirectory(dirname(row.dest_path));
  } catch (error) {
    throw keptOnPassingCause(error, row, pieces, dirname(row.dest_path), (why) => `its verified file is in place at ${row.dest_path}, but its folder could not be synced: ${why}; ${RESUME_KEPT_PIECES} finishes it without fetching again, from the`);
  }
}

/**
 * A file replaced keeps its mode, owner and group, as cp and curl -o onto it keep them: given to the
 * verified temp file through its open handle, before it is closed. By name (as before), chmod and
 * chown followed a symbolic link another user put at the temp file's name in a folder they write
 * in, and a download run as root gave the file that link names (any file) the replaced file's mode
 * and owner. A passing cause keeps the pieces, as for the rename.
 */
async function keepReplacedFileAttributes(row: DownloadJobRow, temp: FileHandle, pieces: number): Promise<void> {
  try {
    await keepReplacedAttributes(temp, row.dest_path);
  } catch (error) {
    throw keptOnPassingCause(error, row, pieces, row.temp_path, (why) => `its verified file could not be given the mode and owner of ${row.dest_path}: ${why}; ${RESUME_KEPT_PIECES} puts it there without fetching again, from the`);
  }
}

/**
 * Renames the verified temp file onto the destination (its mode and owner already given, on its
 * handle). Refused for a passing cause (the destination busy: open in another app, or being
 * scanned, on Windows), the temp file and its pieces are kept (KEPT_PIECES_MARK): retry() and the
 * next start rename it without a fetch.
 *
 * The rename takes names, so whatever is at the temp file's name is what it puts at the
 * destination: a symbolic link another user put there in a folder they write in (the temp file
 * moved away) became the destination, and the fetch resolved as done with the destination leading
 * to that user's choice of file. So the name must still hold the file written (`written`: the
 * handle's stat), looked at itself, just before. A swap in the microseconds between that look and
 * the rename stays possible: no portable call renames an open file.
 */
async function placeVerifiedFile(row: DownloadJobRow, pieces: number, written: Stats): Promise<void> {
  try {
    const there = await lstat(row.temp_path);
    if (!there.isFile() || there.ino !== written.ino || there.dev !== written.dev) throw tempReplaced(row, there);
    await rename(row.temp_path, row.dest_path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw removedUnderRun(row, error);
    throw keptOnPassingCause(error, row, pieces, row.dest_path, (why) => `its verified file could not replace ${row.dest_path}: ${why}; ${RESUME_KEPT_PIECES} puts it there without fetching again, from the`);
  }
}

/** Another file, or a link, at the temp file's name when the verified file was to be renamed. */
function tempReplaced(row: DownloadJobRow, there: Stats): StorageError {
  const link = there.isSymbolicLink();
  const what = link ? "a symbolic link" : there.isFile() ? "another file" : "something else";
  return new StorageError(
    "E_LOCAL_IO",
    `download ${row.id} to ${row.dest_path}: its temp file ${row.temp_path} was replaced while it downloaded (${what} is at that name now; someone else writes in that folder); nothing was put at ${row.dest_path}. Fetch into a folder only you write in, or ${RETRY_FETCHES_AGAIN}`,
    { details: { job: row.id, path: row.temp_path, symbolicLink: link } },
  );
}

/**
 * The temp file gone at the rename: its folder removed while the download ran (the user deleted it,
 * the OS cleared an app's cache folder), or the file itself. Said as such: the OS's ENOENT alone
 * read as a disk to check for space and permissions. Its pieces went with it: a retry fetches again.
 */
function removedUnderRun(row: DownloadJobRow, error: unknown): StorageError {
  const folder = dirname(row.temp_path);
  const what = existsSync(folder) ? `its temp file ${row.temp_path} was removed` : `its folder ${folder} was removed, its temp file with it,`;
  return new StorageError("E_LOCAL_IO", `download ${row.id} to ${row.dest_path}: ${what} while it downloaded; ${RETRY_FETCHES_AGAIN}`, {
    cause: error,
    details: { job: row.id, code: "ENOENT", syscall: "rename", path: row.temp_path },
  });
}

/** An OS failure of a passing cause as E_LOCAL_IO keeping the download's verified pieces; any other as it is. */
function keptOnPassingCause(error: unknown, row: DownloadJobRow, pieces: number, path: string, say: (why: string) => string): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  const passing = passingCause(code);
  if (passing === undefined) return error;
  return new StorageError("E_LOCAL_IO", `download ${row.id}: ${say(`${passing} (${code})`)} ${pieces} pieces verified into that file${KEPT_PIECES_MARK}`, {
    cause: error,
    details: { job: row.id, code, syscall, path, keptPieces: pieces },
  });
}

/**
 * The journal's verified pieces checked against the temp file as it is now (it may have been cut
 * or extended between runs): pieces past its end are fetched again, bytes past the file's end go.
 */
async function checkTempFile(ctx: ClientContext, row: DownloadJobRow, plan: PiecePlan, verified: Set<number>, temp: FileHandle): Promise<Set<number>> {
  const onDisk = (await temp.stat()).size;
  if (onDisk > plan.plaintextSize) await temp.truncate(plan.plaintextSize);
  const kept = new Set([...verified].filter((i) => {
    const span = plan.pieces[i];
    return span !== undefined && span.plainOffset + span.plainSize <= onDisk;
  }));
  if (kept.size < verified.size) {
    // One transaction: a crash between the two writes left no piece journaled, and the next start
    // fetched the whole file again, the pieces still verified on disk included.
    ctx.db.transaction(() => {
      ctx.downloads.forgetPieces(row.id);
      ctx.downloads.recordPieces(row.id, [...kept], ctx.clock.now());
    })();
  }
  return kept;
}

async function writePieces(
  ctx: ClientContext,
  row: DownloadJobRow,
  view: FileReference,
  plan: PiecePlan,
  params: PreparedParams,
  verified: ReadonlySet<number>,
  temp: FileHandle,
  job: TransferJob<FetchResult> | undefined,
  signal: AbortSignal,
  turn: TakeTurn | undefined,
): Promise<Buffer> {
  const width = ctx.piecesInFlight;
  // Each slot as large as the pieces it holds: a reference of one large piece among small ones made every slot that large.
  const sealedSlots = new SlotBuffers(width, slotSizes(plan, width, (span) => span.sealedSize), ctx.buffers);
  // A step's plaintext per piece in flight, not a piece's: a one-piece file of 50 MiB is opened,
  // written and hashed 4 MiB at a time (a default 4 MiB piece is one step, as before).
  const steps = new PieceSteps(plan);
  const plainSlots = new SlotBuffers(width, slotSizes(plan, width, (span) => openStepPlainBytes(plan.chunkSize, span.plainSize)), ctx.buffers);
  const opener = new ChunkOpener(params);
  const fileHash = ctx.hasher.running(view.plaintextSize);
  // Fed step by step, in the file's order: step k of piece i is turn steps.first(i) + k.
  const ordered = new OrderedHash(fileHash);
  // On disk before the journal says so: a crash never leaves a journaled piece that is not there.
  const synced = new GroupSync(temp, (indexes) => ctx.downloads.recordPieces(row.id, indexes, ctx.clock.now()));
  // Pieces read back below (verified in an earlier run) are not counted again.
  const progress = new RunProgress(job, plan.pieces.length, view.plaintextSize, verified.size, plainBytesOf(plan, verified));
  // A piece holds one of these from its start until it is journaled (or has failed): a crash
  // fetches again at most twice the window, while the window itself never waits for the disk.
  const unjournaled = new Slots(2 * width);
  // A slow endpoint is judged by the pieces this run still has to fetch, not by one (withRetries).
  const remainder = new JobRemainder(view.pieces.filter((_, i) => !verified.has(i)).map((p) => p.size), width);
  const stalls = new StalledPieces();
  const pieces = orderedWindow(plan.pieces.length, width, signal, async (i, slot, pieceSignal) => {
    const span = plan.pieces[i] as PieceSpan;
    const plain = plainSlots.get(slot);
    synced.throwIfFailed();
    const release = await unjournaled.acquire(pieceSignal, `download ${row.id}`);
    try {
      if (verified.has(i)) {
        // Verified and on disk in an earlier run: read back only for the whole-file hash.
        for (let k = 0; k < steps.count(span); k++) {
          const part = steps.part(span, k, plain);
          if ((await readAt(temp, part, span.plainOffset + steps.plainOffset(k), pieceSignal)) !== part.byteLength) {
            ctx.downloads.forgetPieces(row.id);
            throw new StorageError("E_INTEGRITY", `download ${row.id}: the temp file lost piece ${i}; the download starts over on the next try`, { details: { job: row.id } });
          }
          await ordered.feed(steps.first(i) + k, part, pieceSignal);
        }
        ctx.metrics.pieces.inc({ direction: "down", outcome: "resumed" });
        release();
        return span.plainSize;
      }
      const piece = view.pieces[i] as FileReference["pieces"][number];
      const what = `fetch of piece ${i} (${piece.cid}) for download ${row.id}`;
      const reportRetry = retryReporter(ctx, "down", what);
      // Away from its slot, no piece starts an attempt; a stalled run gives its slot away at the next retry.
      const beforeAttempt = turn === undefined ? undefined : (retry: boolean) => turn(retry && stalls.stalled, pieceSignal);
      stalls.started(i);
      const sealed = await withRetries(
        {
          pool: ctx.pool,
          policy: ctx.policy,
          signal: pieceSignal,
          what,
          random: ctx.random,
          onRetry: (event) => {
            stalls.failedOnce(i);
            reportRetry(event);
          },
          remainder,
          direction: "down",
          hedge: true,
          beforeAttempt,
        },
        // A hedge (a second endpoint asked for a slow piece) reads into a buffer of its own: the slot's is the first attempt's.
        (backend, attemptSignal, attemptProgress, hedge) =>
          fetchPiece(backend, piece, i, hedge ? Buffer.allocUnsafe(piece.size) : sealedSlots.get(slot), attemptSignal, ctx.hasher, (done, total) => {
            attemptProgress(done, total);
            if (!hedge) progress.moved(i, done, piece.size, span.plainSize);
          }),
      ).finally(() => stalls.ended(i));
      stalls.verified();
      remainder.pieceDone(piece.size);
      ctx.metrics.bytes.inc({ direction: "down" }, sealed.byteLength);
      for (let k = 0; k < steps.count(span); k++) {
        // A cancel or stop between steps ends the piece here: a 48 MiB piece went on opening and
        // writing all its steps (nothing else in the loop looks at the signal while its turn is ours).
        throwIfAborted(pieceSignal, `download ${row.id}`);
        const part = steps.part(span, k, plain);
        openStep(params, plan, span, steps.sealedStep(span, k, sealed), span.firstChunk + k * steps.perStep, part, opener, row.id);
        // Into the whole-file hash (in order, on the worker) while it is written; the temp file may
        // hold authenticated plaintext the file hash has not vouched for yet: it is renamed only after.
        const hashed = ordered.feed(steps.first(i) + k, part, pieceSignal);
        hashed.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
        try {
          await writeAt(temp, part, span.plainOffset + steps.plainOffset(k));
        } catch (error) {
          // The slot is reused by the next step and once the task ends: the hash must be done reading it.
          await hashed.catch(() => undefined);
          throw error;
        }
        await hashed;
      }
    } catch (error) {
      release();
      throw error;
    }
    // Synced, then journaled, with whichever pieces were written meanwhile. The slot is free now:
    // waiting for the disk here would hold the window's next pieces back behind every sync. A
    // failure is seen by the next piece and after the window (throwIfFailed).
    void synced.durable(i).then(() => ctx.metrics.pieces.inc({ direction: "down", outcome: "fetched" })).then(release, release);
    return span.plainSize;
  });
  try {
    for await (const { index, value: bytes } of pieces) {
      if (verified.has(index)) continue;
      progress.pieceDone(index, bytes);
    }
    // Every piece on disk and journaled before the file hash is trusted and the file renamed.
    await synced.settle();
    synced.throwIfFailed();
  } catch (error) {
    fileHash.dispose();
    // The temp file is closed after this: no sync of ours may still be running on it.
    await synced.settle();
    throw error;
  } finally {
    sealedSlots.release();
    plainSlots.release();
  }
  return fileHash.digest();
}

/**
 * Where each step of each piece falls: a piece opens in steps of `perStep` whole chunks (the last
 * one shorter), and the whole-file hash takes the steps of all pieces in the file's order.
 */
class PieceSteps {
  readonly perStep: number;
  private readonly stride: number;
  private readonly sealedStride: number;
  private readonly firsts: number[] = [];

  constructor(plan: PiecePlan) {
    this.perStep = new OpenSteps(plan.chunkSize).perStep;
    this.stride = this.perStep * plan.chunkSize;
    this.sealedStride = this.perStep * sealedChunkSize(plan.chunkSize);
    let next = 0;
    for (const span of plan.pieces) {
      this.firsts.push(next);
      next += this.count(span);
    }
  }

  /** Steps in the piece: at least one (an empty file's piece is one empty chunk). */
  count(span: PieceSpan): number {
    return Math.max(1, Math.ceil(span.plainSize / this.stride));
  }

  /** The hash's turn of the piece's first step. */
  first(index: number): number {
    return this.firsts[index] as number;
  }

  plainOffset(k: number): number {
    return k * this.stride;
  }

  /** Step k's plaintext, at the start of the step buffer. */
  part(span: PieceSpan, k: number, buffer: Buffer): Buffer {
    return buffer.subarray(0, Math.min(this.stride, span.plainSize - k * this.stride));
  }

  /** Step k's sealed chunks: the last step takes whatever is left, so a piece longer than planned fails to open. */
  sealedStep(span: PieceSpan, k: number, sealed: Uint8Array): Uint8Array {
    const end = k === this.count(span) - 1 ? sealed.byteLength : (k + 1) * this.sealedStride;
    return sealed.subarray(k * this.sealedStride, end);
  }
}

/**
 * Decrypts one step of a verified piece into `out` (exactly its size); a failure here means the
 * reference's key or layout is wrong (the bytes matched their hash). Each chunk authenticates
 * before anything of it is written to `out`.
 */
function openStep(params: PreparedParams, plan: PiecePlan, span: PieceSpan, sealed: Uint8Array, firstChunk: number, out: Uint8Array, opener: ChunkOpener, jobId: string): void {
  try {
    const n = openRange(params, { firstChunk, totalChunks: plan.totalChunks }, sealed, out, opener);
    if (n !== out.byteLength) throw new CryptoError("E_CRYPTO_TRUNCATED", `piece ${span.index} decrypted to fewer bytes than its ${span.plainSize}`);
  } catch (cause) {
    const code = cause instanceof CryptoError ? cause.code : "unknown";
    throw new StorageError("E_INTEGRITY", `${jobId}: piece ${span.index} matches its sha256 but does not decrypt (${code}): wrong key or a tampered reference`, {
      cause,
      details: { piece: span.index, cryptoCode: code },
    });
  }
}

/** Removes what a failed or cancelled download left (the temp file); the destination was never touched. */
export async function discardTemp(row: DownloadJobRow): Promise<void> {
  await unlink(row.temp_path).catch(() => undefined);
}
