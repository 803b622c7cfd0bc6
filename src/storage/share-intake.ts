import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { newStreamParams, sha256 } from "../crypto/index.js";
import { sanitizeFileName } from "../wire/index.js";
import { contentCidIn } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import type { ClientSettings } from "./client-settings.js";
import { jobMachine, startedContext, tryRelease, type ClientSession } from "./client-session.js";
import { cidOfDigest } from "./content-id.js";
import { asStorageError, CANCELLED } from "./job-errors.js";
import { progressOf } from "./job-handles.js";
import { guessMime } from "./mime-type.js";
import { planPieces } from "./piece-plan.js";
import { inRealFolders } from "./real-folders.js";
import { clientClosedReason } from "./retry/index.js";
import { checkEncodable, checkReadable, checkShareable, checkShareInput, sourceLookupError } from "./share-checks.js";
import { sourceOfSharedBytes } from "./shared-bytes-source.js";
import type { LanedSlots } from "./small-jobs.js";
import { refuseOwnStateAsSource } from "./client-own-files.js";
import { StorageError } from "./storage-error.js";
import { TransferJob } from "./transfer-job.js";
import type { ShareResult } from "./upload/run-upload.js";
import { releaseSpool } from "./upload/spool-pin.js";

/**
 * What to share: a file on disk, or bytes the application holds (spooled to disk so the upload can
 * resume). The bytes are copied after share() returns, in the background: leave them unchanged
 * until the job's `done` settles.
 */
export type ShareInput =
  | { readonly path: string; readonly fileName?: string; readonly mime?: string }
  | { readonly bytes: Uint8Array; readonly fileName: string; readonly mime?: string };

/** Checks a file to share, journals its upload job and queues it (bytes once spooled); see StorageClient.share. */
export function shareFile(session: ClientSession, input: ShareInput): TransferJob<ShareResult> {
  const ctx = startedContext(session);
  const fromPath = checkShareInput(input) === "path";
  let size: number;
  let sourcePath: string | undefined;
  if (fromPath) {
    sourcePath = resolve((input as { path: string }).path);
    const info = sourceInfo(sourcePath);
    refuseOwnStateAsSource(session, sourcePath, (input as { path: string }).path);
    size = info.size;
  } else {
    size = (input as { bytes: Uint8Array }).bytes.byteLength;
  }
  const { chunkSize, pieceSize } = session.settings as ClientSettings;
  checkShareable(size, ctx.maxFileBytes, chunkSize, pieceSize);
  const fileName = sanitizeFileName(input.fileName ?? (fromPath ? basename(sourcePath as string) : ""));
  const mime = input.mime ?? guessMime(fileName);
  const params = newStreamParams(chunkSize);
  checkEncodable(mime, fileName, params, session.protocol);
  const id = randomUUID();
  const plan = planPieces(size, chunkSize, pieceSize);
  const job = new TransferJob<ShareResult>(id, "upload", "queued", progressOf(0, plan.pieces.length, 0, size), (jobId) => session.cancel(jobId));
  // Queued by the caller once the row is committed (with the pin, in one transaction).
  const create = (path: string): void => {
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
      protocol: session.protocol,
      created_at: ctx.clock.now(),
    });
    ctx.metrics.transitions.inc({ kind: "upload", state: "queued" });
  };
  if (fromPath) {
    // The client's own kept file given by another spelling of its folders: journaled as the cache names it.
    sourcePath = keptFileSpelledAsKept(ctx, sourcePath as string);
    session.handles.set(id, job);
    // A file forwarded by the path fetch gave (a cached download, or the spooled copy of bytes this
    // client shared): kept from eviction while this upload reads it (releaseSpool unpins).
    const cached = contentCidIn(ctx.dirs.cache, sourcePath) ?? contentCidIn(ctx.dirs.spool, sourcePath);
    try {
      // One transaction: an app killed between the pin and the row left the file pinned with no upload to unpin it, for good.
      ctx.db.transaction(() => {
        if (cached !== undefined) ctx.cache.pin(cached);
        create(sourcePath as string);
      })();
      session.uploadQueue?.enqueue(id);
    } catch (error) {
      // The journal refused the row (a full disk): no job exists, and the caller hears why.
      session.handles.delete(id);
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
    // Refused at once when pinned files leave no room; room only other transfers hold is waited for below.
    // A photo's bytes (one piece) may take free room past a download waiting for more, as its spool write takes the lane.
    let reservation = ctx.cache.reserveOrWait(size, contentCid, size <= pieceSize);
    // Content already kept (a received file) reserves no room, and this share reads that file once its
    // spool turn comes: until its source is settled (that file pinned, or a spooled copy), the content
    // is not evicted. Evicted meanwhile, its bytes were spooled anew with no room reserved, over the quota.
    const unhold = ctx.cache.hold(contentCid);
    session.handles.set(id, job);
    try {
      // A spool file of the same bytes may already be there (spoolBytes keeps it): no eviction may take it meanwhile.
      // (A cached copy is held while it is compared, and pinned only if this upload is to read it.)
      // Journaled before the bytes are spooled (queued, not yet run): a stop meanwhile leaves a job
      // that resumes on the next start, a crash one that fails E_SOURCE_MISSING, never no job at all.
      // With the pin, in one transaction (a crash between them left a pin no upload would give back).
      ctx.db.transaction(() => {
        if (ctx.cache.pathOf(contentCid) === spoolPath) ctx.cache.pin(contentCid);
        create(spoolPath);
      })();
    } catch (error) {
      session.handles.delete(id);
      reservation?.release();
      unhold();
      tryRelease(() => releaseSpool(ctx, id, spoolPath));
      throw asStorageError(error);
    }
    const machine = jobMachine(session, "upload", id);
    // A cancel while the bytes are spooled is noted here and applied once they are.
    const pending = { cancelled: false, turn: new AbortController() };
    session.spoolingShares.set(id, pending);
    // The file this upload reads (the spool file, or a cached copy of the same bytes); the catch releases its pin.
    let source = spoolPath;
    // An album shared from memory held a descriptor per photo, all writing and fsyncing at once. The wait is
    // not cut short by a stop (which waits for it): a share is resumable only once spooled.
    const room = reservation ?? ctx.cache.reserveUnlessStopped(size, contentCid, pending.turn.signal, session.stopController.signal, "spooling shared bytes (waiting for room under the storage quota)");
    const spool = Promise.resolve(room)
      .then((held) => {
        reservation = held;
        return (session.spoolSlots as LanedSlots).runLaned(pending.turn.signal, "spooling shared bytes", size <= pieceSize, () => sourceOfSharedBytes(ctx, id, contentCid, bytes));
      })
      .then((path) => {
        session.spoolingShares.delete(id);
        // Counted under the quota whatever happens next (the catch unpins it when no upload will read it).
        source = path;
        if (pending.cancelled) throw CANCELLED;
        // Stopping: the job stays queued in the journal, with its spool file, for the next start.
        if (session.phase !== "started") throw clientClosedReason();
        session.uploadQueue?.enqueue(id);
      })
      .catch((error: unknown) => {
        session.spoolingShares.delete(id);
        session.handles.delete(id);
        const typed = asStorageError(error);
        if (pending.cancelled || !(typed.code === "E_CLIENT_CLOSED" && session.phase !== "started")) {
          // Cancelled, or the spool write failed: this job never runs (stop() waits for this before it closes the journal).
          try {
            if (pending.cancelled) machine.cancel();
            else machine.fail(typed.code, typed.message, typed);
          } catch (journalError) {
            // Refused (a full disk fails the spool write and this row alike): the row stays queued with nothing
            // to run it, so this session goes by how it ended (job(id), jobs(), retry()), as for a run's.
            if (asStorageError(journalError).code === "E_LOCAL_IO") session.unrecorded.set(id, pending.cancelled ? CANCELLED : typed);
          }
          tryRelease(() => releaseSpool(ctx, id, source));
        }
        job.reject(pending.cancelled ? CANCELLED : typed);
      })
      .finally(() => {
        unhold();
        reservation?.release();
        session.spooling.delete(spool);
      });
    session.spooling.add(spool);
  }
  return job;
}

/**
 * `path`, or the path the cache records for the same file when `path` names one of the client's
 * kept files (a cached download, a spooled copy) by another spelling of its folders: iOS hands out
 * /var/… and /private/var/…, and any folder may be reached through a link. Compared as given, such
 * a forward was not pinned (a download needing room evicted the file under it) and, journaled so,
 * its pin would never be given back. Only a name the cache has costs a look at the folders' links.
 */
function keptFileSpelledAsKept(ctx: ClientContext, path: string): string {
  const kept = ctx.cache.pathOf(basename(path));
  if (kept === undefined || kept === path || basename(kept) !== basename(path)) return path;
  return inRealFolders(kept) === inRealFolders(path) ? kept : path;
}

/** The file `share()` is asked for: a regular file, else E_SOURCE_MISSING saying what is there instead. */
function sourceInfo(path: string): { size: number } {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // ENOTDIR (a path through a file), ELOOP: nothing there; EACCES (a folder it may not enter): the disk refusing.
    throw sourceLookupError(error, path);
  }
  if (info === undefined) throw new StorageError("E_SOURCE_MISSING", `there is no file to share at ${path}`, { details: { path } });
  if (!info.isFile()) {
    const what = info.isDirectory() ? "a folder" : info.isFIFO() ? "a pipe (FIFO)" : info.isSocket() ? "a socket" : "not a regular file";
    throw new StorageError("E_SOURCE_MISSING", `${path} is ${what}; only a regular file can be shared`, { details: { path } });
  }
  checkReadable(path);
  return { size: info.size };
}
