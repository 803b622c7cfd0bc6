import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { describedValue } from "../errors/index.js";
import type { FileReference } from "../wire/index.js";
import type { ClientContext } from "./client-context.js";
import type { ClientSettings } from "./client-settings.js";
import { forgetHandle, startedContext, stoppedUnjournaled, type ClientSession } from "./client-session.js";
import { checkCachedFile } from "./cached-file-check.js";
import { cidOfDigest } from "./content-id.js";
import { copyKey } from "./download/copy-key.js";
import { checkReceivable, type FetchResult } from "./download/run-download.js";
import { asStorageError, CANCELLED } from "./job-errors.js";
import { retryJob } from "./job-control.js";
import { progressOf } from "./job-handles.js";
import { pendingDownloadsTo } from "./journal/pending-jobs.js";
import { planOfReference, type PiecePlan } from "./piece-plan.js";
import { decodeReference, type ReferenceInput } from "./reference-codec.js";
import { keysOf, optionsObject } from "./option-keys.js";
import { linkedSignal } from "./retry/index.js";
import type { LanedSlots } from "./small-jobs.js";
import { refuseOwnFileAsOut } from "./client-own-files.js";
import { StorageError } from "./storage-error.js";
import { TransferJob } from "./transfer-job.js";

export interface FetchOptions {
  /** Where to write the verified file. Without it the file goes to the client's cache (under the quota). */
  readonly out?: string;
}

const FETCH_OPTIONS = keysOf<FetchOptions>()({ out: true });

/** Checks a reference, then serves it from the cache or journals and queues its download; see StorageClient.fetch. */
export function fetchFile(session: ClientSession, reference: ReferenceInput, options: FetchOptions | null): TransferJob<FetchResult> {
  const ctx = startedContext(session);
  // A JavaScript caller's null (a value read from its database or a message) is no options, and no out, as undefined is.
  const out: unknown = optionsObject("fetch", options, FETCH_OPTIONS).out ?? undefined;
  // "" is no path either: resolved, it named the working folder, and a download was journaled to fail EISDIR there.
  if (out !== undefined && (typeof out !== "string" || out === "")) {
    throw new StorageError("E_UNSUPPORTED", `options.out must be a file's path (a string), not ${describedValue(out)}; leave it out to fetch into the cache`, {
      details: { option: "out" },
    });
  }
  const { view, bytes } = decodeReference(reference, session.protocol);
  checkReceivable(ctx, view);
  const plan = planOfReference(view, ctx.maxPieceBytes);
  const id = randomUUID();
  let dest: string;
  if (out === undefined) {
    if (session.mode === "light") {
      throw new StorageError("E_UNSUPPORTED", "light mode keeps no download cache: pass options.out (a file of the application's), or use fetchStream");
    }
    const contentCid = cidOfDigest(view.plaintextSha256);
    const hit = ctx.cache.lookup(contentCid);
    if (hit !== undefined) return fetchCached(session, ctx, id, view, bytes, plan, contentCid, hit.path);
    dest = join(ctx.dirs.cache, contentCid);
  } else {
    // A trailing separator names a folder, there or not; resolve() drops it, and the file was written under the folder's name.
    if (out.endsWith("/") || out.endsWith(sep)) {
      throw new StorageError("E_LOCAL_IO", `the destination ${out} names a folder (it ends with ${sep}); fetch to a file's path (a name inside that folder)`, {
        details: { code: "EISDIR" },
      });
    }
    dest = resolve(out);
    refuseOwnFileAsOut(session, ctx, out, dest);
    supersedeDownloadsTo(session, ctx, dest, view);
  }
  const job = new TransferJob<FetchResult>(id, "download", "queued", progressOf(0, plan.pieces.length, 0, view.plaintextSize), (jobId) => session.cancel(jobId));
  queueDownload(session, ctx, id, bytes, dest, job);
  return job;
}

/**
 * Each download renames its verified file onto its destination when it ends, so an earlier one of
 * other content still under way (a banner fetched again to its fixed path when a newer one arrived)
 * would put the older file over this one's. The later fetch is the application's wish for the path:
 * the earlier downloads are cancelled, as the CLI's `file get` does. One of the same reference
 * (copyKey: the same pieces and key) writes the same bytes from the same place and is left to run;
 * this one waits for it (DestinationTurns). One of another reference of the same content is
 * cancelled as other content is: its pieces may hang (anyone who knows the file's sha256 and size
 * can send such a reference), and this fetch waited for its deadline, 30 minutes by default.
 */
function supersedeDownloadsTo(session: ClientSession, ctx: ClientContext, dest: string, view: FileReference): void {
  for (const pending of pendingDownloadsTo(ctx.db, dest)) {
    if (sameCopy(pending.reference, view, session)) {
      resumeFailedKeepingPieces(session, ctx, pending.id);
      continue;
    }
    session.log.info({ job: pending.id }, "a later fetch to the same destination supersedes this download: cancelled");
    session.cancel(pending.id);
  }
}

/**
 * One of the same reference that is not running (failed keeping its verified pieces, or with its
 * backend closed under it) is run again from its pieces, first: this fetch waits for it
 * (DestinationTurns) and ends with the file it puts there. Left failed, this fetch downloaded the
 * whole file, its temp file stayed beside the destination, and the next start resumed it and
 * downloaded the rest again. A journal that refuses the move leaves it as it was: this fetch downloads.
 */
function resumeFailedKeepingPieces(session: ClientSession, ctx: ClientContext, id: string): void {
  try {
    if (ctx.downloads.get(id)?.state !== "failed") return;
    retryJob(session, id);
    session.log.info({ job: id }, "a later fetch of the same file to its destination runs this download again from its kept pieces");
  } catch (error) {
    session.log.warn({ job: id, code: asStorageError(error).code }, "could not run again a download of the same file kept for a resume");
  }
}

function sameCopy(reference: Uint8Array, view: FileReference, session: ClientSession): boolean {
  try {
    return copyKey(decodeReference(reference, session.protocol).view) === copyKey(view);
  } catch {
    // A reference this release cannot read (its successor journaled it) is other content as far as the path goes.
    return false;
  }
}

/** Journals a download job for `job` and queues it; a refused row is the caller's E_LOCAL_IO, with no handle kept. */
function queueDownload(session: ClientSession, ctx: ClientContext, id: string, reference: Uint8Array, dest: string, job: TransferJob<FetchResult>): void {
  session.handles.set(id, job);
  try {
    ctx.downloads.create({ id, file_reference: reference, dest_path: dest, temp_path: downloadTempPath(dest, id), created_at: ctx.clock.now() });
  } catch (error) {
    session.handles.delete(id);
    throw asStorageError(error);
  }
  ctx.metrics.transitions.inc({ kind: "download", state: "queued" });
  session.downloadQueue?.enqueue(id);
}

/**
 * A cached file is served only once it still hashes to the reference: fetch hands out its path,
 * and the application may have written to it since. One that no longer does is dropped and the
 * file is fetched again, as the same job.
 */
function fetchCached(
  session: ClientSession,
  ctx: ClientContext,
  id: string,
  view: FileReference,
  reference: Uint8Array,
  plan: PiecePlan,
  contentCid: string,
  path: string,
): TransferJob<FetchResult> {
  const total = plan.pieces.length;
  // A cancel while the cached file is hashed is applied once it is (no download starts); one after is any job's cancel.
  let cancelled = false;
  const job = new TransferJob<FetchResult>(id, "download", "downloading", progressOf(0, total, 0, view.plaintextSize), (jobId) => {
    // Live while it is checked (cacheChecks applies it) and once queued for a new download; a no-op once settled.
    if (session.handles.has(jobId)) session.cancel(jobId);
  });
  // Live like any job while it is checked: job(id) finds it, cancel(id) cancels it.
  session.handles.set(id, job);
  // A cancel while the hit waits for its turn ends the wait at once.
  const waiting = new AbortController();
  session.cacheChecks.set(id, () => {
    cancelled = true;
    waiting.abort(CANCELLED);
  });
  const checked = (): void => {
    session.cacheChecks.delete(id);
    forgetHandle(session, id, job);
  };
  // Not evicted for another download while it is checked and handed out.
  const unhold = ctx.cache.hold(contentCid);
  // A gallery fetching hundreds of cached files at once would otherwise hold a descriptor and 2 MiB for each.
  // Not AbortSignal.any: on Node 20 it leaves an entry per call on the stop signal, which lives as long as the client.
  const turn = linkedSignal([session.stopController.signal, waiting.signal], undefined, "a cache hit");
  const small = view.plaintextSize <= (session.settings as ClientSettings).pieceSize;
  // The hash stops with the turn too: a stop() or cancel must not wait for a whole large file to be read (seconds on a phone).
  const checking: Promise<void> = (session.hitSlots as LanedSlots)
    .runLaned(turn.signal, "a cache hit (waiting for its turn to be checked)", small, () => checkCachedFile(ctx.hasher, path, view, turn.signal))
    .then((checkedFile) => {
      checked();
      if (cancelled) {
        job.setState("cancelled");
        throw CANCELLED;
      }
      // The file is this content; a reference that gives it another size is wrong (wrongSize).
      if (checkedFile.verdict === "wrong-size") throw wrongSize(id, view, checkedFile.digest.bytes);
      if (checkedFile.verdict === "content") {
        job.setProgress(progressOf(total, total, view.plaintextSize, view.plaintextSize));
        job.setState("done");
        job.resolve({ jobId: id, path, size: view.plaintextSize, sha256: view.plaintextSha256, fromCache: true });
        return;
      }
      if (checkedFile.verdict === "gone") {
        // Gone since lookup() (another fetch of it found it written to and dropped it, or the user deleted it):
        // fetched again, as a changed one is; its entry goes only while it still names the missing file.
        if (ctx.cache.pathOf(contentCid) === path && !existsSync(path)) ctx.cache.discard(contentCid);
      } else if (!ctx.cache.discard(contentCid)) {
        throw new StorageError("E_INTEGRITY", `the stored copy of ${contentCid} was written to while an upload of it is pending; that upload will fail too, share the file again`, {
          details: { cid: contentCid },
        });
      }
      session.log.warn({ job: id }, "a cached file no longer holds its content (written to since it was fetched): fetching it again");
      job.setState("queued");
      queueDownload(session, startedContext(session), id, reference, join(ctx.dirs.cache, contentCid), job);
    })
    .catch((error: unknown) => {
      checked();
      // Cancelled while it waited for its turn (the wait rejected with CANCELLED).
      if (cancelled) job.setState("cancelled");
      const typed = asStorageError(error);
      // A failed hit's handle says so, as a failed download's does (a stop's is left as it was: it does not resume).
      if (!cancelled && typed.code !== "E_CLIENT_CLOSED") {
        job.setState("failed");
        // And the operator, as of a failed download (JobMachine: warn, counted): a hit has no journal row to move,
        // and a hostile reference naming a file held here (E_INTEGRITY) went to neither.
        session.log.warn({ job: id, kind: "download", state: "failed", code: typed.code }, "job state");
        ctx.metrics.failures.inc({ kind: "download", code: typed.code });
      }
      job.reject(typed.code === "E_CLIENT_CLOSED" && session.phase !== "started" ? stoppedUnjournaled("the check of a cached file (fetch it again)", typed) : typed);
    })
    .finally(() => {
      turn.dispose();
      unhold();
      session.checkingHits.delete(checking);
    });
  session.checkingHits.add(checking);
  return job;
}

/**
 * A cached file that hashes to the reference's plaintext sha256 in another number of bytes than the
 * reference's plaintext size: the file is that content, so the reference is wrong (a hostile one
 * naming a file the receiver holds, with pieces of other bytes). Refused as a network download of it
 * is refused (its bytes cannot hash to that sha256): E_INTEGRITY, nothing fetched; the cached file
 * stays, the right content for its own reference. Served, it reported the reference's size.
 */
function wrongSize(id: string, view: FileReference, cachedSize: number): StorageError {
  return new StorageError(
    "E_INTEGRITY",
    `fetch ${id}: the reference gives the file ${view.plaintextSize} bytes, but the cached copy of the content its plaintext sha256 names holds ${cachedSize}; the reference is wrong (nothing was downloaded, the cached file is kept)`,
    { details: { job: id, size: view.plaintextSize, cachedSize } },
  );
}

/**
 * `<dest>.<id8>.part` beside the destination. Its name is cut (on a character) to stay within the
 * 255-byte name limit: a legal destination name of 242 bytes or more failed every download with
 * ENAMETOOLONG. The journal keeps the path, so a resumed job finds it whatever the rule.
 */
function downloadTempPath(dest: string, id: string): string {
  const suffix = `.${id.slice(0, 8)}.part`;
  let name = basename(dest);
  const room = 255 - Buffer.byteLength(suffix);
  if (Buffer.byteLength(name) > room) {
    // The longest run of whole characters from the start that fits, in one pass: cut one character at
    // a time, copying the name each time, a 40,000-character name held fetch() for 80 s.
    let kept = 0;
    let bytes = 0;
    for (const char of name) {
      bytes += Buffer.byteLength(char);
      if (bytes > room) break;
      kept += char.length;
    }
    name = name.slice(0, kept);
  }
  return join(dirname(dest), name + suffix);
}
