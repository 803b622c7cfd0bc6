import { checkParams, ChunkSealer, prepareParams, sameDigest, sealRange } from "../../crypto/index.js";
import type { FileReference, Piece } from "../../wire/index.js";
import { throwIfAborted } from "../abort-error.js";
import { retryReporter, type ClientContext } from "../client-context.js";
import { LeasedBuffers, readAt, SlotBuffers } from "../file-io.js";
import { BackgroundStores } from "./background-stores.js";
import type { JobMachine } from "../job-machine.js";
import type { UploadJobRow } from "../journal/upload-journal.js";
import { OrderedHash } from "../ordered-hash.js";
import { orderedWindow } from "../ordered-window.js";
import { plainBytesOf, planPieces, type PieceSpan } from "../piece-plan.js";
import { encodeReference } from "../reference-codec.js";
import { rawSha256Digest } from "../content-id.js";
import { JobRemainder, withRetries } from "../retry/index.js";
import type { TransferJob } from "../transfer-job.js";
import { RunProgress } from "../run-progress.js";
import { openSource, sourceChanged } from "./open-source.js";
import { sameSource, sourceIdentity } from "./source-identity.js";
import { checkPutAnswer } from "./put-answer.js";
import { checkResumable, storeAgainOnResume } from "./resume-checks.js";
import { sealedDigest } from "./sealed-digest.js";
import { releaseSpool } from "./spool-pin.js";

export interface ShareResult {
  readonly jobId: string;
  /** The FileReference as protobuf bytes of the client's protocol: what the chat message carries. */
  readonly reference: Uint8Array;
  readonly view: FileReference;
  readonly protocol: number;
}

/**
 * One run of an upload job: read the source piece by piece (positional reads), seal each piece,
 * store it with retries, journal it, and finally write the reference. Pieces the journal already
 * has are sealed again only to prove the source is unchanged (same sha256), never sent again.
 * Memory: piecesInFlight plaintext pieces and sealedBufferCount(piecesInFlight) sealed ones,
 * whatever the file size.
 */
export async function runUpload(
  ctx: ClientContext,
  queued: UploadJobRow,
  machine: JobMachine,
  job: TransferJob<ShareResult> | undefined,
  signal: AbortSignal,
): Promise<ShareResult> {
  const plan = planPieces(queued.plaintext_size, queued.chunk_size, queued.piece_size);
  // A row of a shape this release cannot use (a key or nonce prefix of another length, a chunk size
  // past the cap: corrupt, or another release's) fails the job before it starts, with prepareParams'
  // error (E_UNSUPPORTED once typed); a first run would otherwise replace the damaged key below and
  // go on as if nothing were wrong. Only the shape: the key is imported once, after checkResumable.
  checkParams({ key: queued.enc_key, noncePrefix: queued.nonce_prefix, chunkSize: queued.chunk_size });
  machine.start();
  const source = await openSource(queued.source_path, queued.plaintext_size, queued.id);
  try {
    // A run that records the source's identity takes a fresh key and prefix with it: the row handed back has them.
    const { row, guard } = await checkResumable(ctx, queued, source, signal);
    const params = prepareParams({ key: row.enc_key, noncePrefix: row.nonce_prefix, chunkSize: row.chunk_size });
    const sealer = new ChunkSealer(params);
    const stored = new Map(ctx.uploads.pieces(row.id).map((p) => [p.idx, p]));
    // What earlier runs sealed of the pieces not journaled: put, or about to be, when they stopped.
    const sealedBefore = ctx.uploads.sealedDigests(row.id);
    const width = ctx.piecesInFlight;
    const plainSlots = new SlotBuffers(width, plan.maxPlainSize, ctx.buffers);
    // A sealed piece waits for the store in a buffer of its own, so the window moves on once the
    // piece is sealed and hashed: a store that commits puts in groups would otherwise hold the
    // window in lockstep with its commits. Half a window more than the window is enough for that
    // (measured; a whole window more was slower, with more pieces queued at the hashing worker).
    const sealedBuffers = new LeasedBuffers(sealedBufferCount(width), plan.maxSealedSize, ctx.buffers);
    const fileHash = ctx.hasher.running(row.plaintext_size);
    const ordered = new OrderedHash(fileHash);
    const progress = new RunProgress(job, plan.pieces.length, row.plaintext_size, stored.size, plainBytesOf(plan, stored.keys()));
    const storing = new BackgroundStores(signal);
    // A slow endpoint is judged by the pieces this run still has to store, not by one (withRetries),
    // as a download's is: the pieces not stored yet and those a resume stores again, as many at once
    // as there are sealed buffers (a sealed piece holds one until its store ends).
    const due = (prior: { readonly uploaded_at: number } | undefined): boolean => prior === undefined || storeAgainOnResume(ctx, prior.uploaded_at, ctx.clock.now());
    const toStore = new Set(plan.pieces.filter((p) => due(stored.get(p.index))).map((p) => p.index));
    const remainder = new JobRemainder([...toStore].map((i) => (plan.pieces[i] as PieceSpan).sealedSize), sealedBufferCount(width));
    // Once per piece counted above, however its store ended or was found not needed (the clock moved on meanwhile).
    const through = (i: number): void => {
      if (toStore.delete(i)) remainder.pieceDone((plan.pieces[i] as PieceSpan).sealedSize);
    };
    const pieces = orderedWindow(plan.pieces.length, width, storing.signal, async (i, slot, pieceSignal) => {
      const span = plan.pieces[i] as PieceSpan;
      const plain = plainSlots.get(slot).subarray(0, span.plainSize);
      if ((await readAt(source, plain, span.plainOffset, pieceSignal)) !== span.plainSize) throw sourceChanged(row.id, "it got shorter");
      if (guard !== undefined) await guard.pieceRead();
      // Into the whole-file hash (in order, on the worker) while the piece is sealed and stored.
      const hashed = ordered.feed(i, plain, pieceSignal);
      hashed.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
      try {
        const lease = await sealedBuffers.lease(pieceSignal, `upload ${row.id}`);
        try {
          const sealed = lease.buffer.subarray(0, sealRange(params, { firstChunk: span.firstChunk, totalChunks: plan.totalChunks }, plain, lease.buffer, sealer));
          const prior = stored.get(i);
          if (prior === undefined) {
            // A piece an earlier run sealed may be on a store without a journal row (put, then the
            // crash): sealed again it must be the same bytes, which the source's stat fields cannot
            // always show (FAT's 2 s mtime and no change time, some network and FUSE file systems,
            // an edit within one timestamp tick). A piece sealed for the first time is recorded
            // (durably) before it can reach a store.
            const digest = sealedDigest(sealed, row.chunk_size);
            const before = sealedBefore.get(i);
            if (before !== undefined && !sameDigest(before, digest)) {
              throw sourceChanged(row.id, `piece ${i} is not what an earlier run sealed of it, and that may be on a store already, though the file's size and times are as recorded: its file system did not show the edit`);
            }
            // The put waits for the record to be on the disk; the window does not.
            const recorded = before === undefined ? ctx.uploads.recordSealed(row.id, i, digest) : Promise.resolve();
            // The store keeps the sealed bytes until it is done with them; the window does not wait.
            storing.add(
              recorded.then(() => storePiece(ctx, row, span, sealed, storing.signal, remainder, (sent) => progress.moved(i, sent, span.sealedSize, span.plainSize))).then(() => {
                through(i);
                progress.pieceDone(i, span.plainSize);
              }),
              lease.release,
            );
          } else {
            // Stored by an earlier run: sealed again only to prove the source is unchanged.
            const same = sameDigest(prior.sha256, await ctx.hasher.digest(sealed));
            if (!same) {
              lease.release();
              throw sourceChanged(row.id, `piece ${i} no longer matches what was stored`);
            }
            // Stored so long ago (a resume weeks later) that its TTL is due, or at a time not yet come (a clock
            // that ran ahead): stored again. (storePiece counts it as stored: a piece is counted once.)
            if (storeAgainOnResume(ctx, prior.uploaded_at, ctx.clock.now())) storing.add(storePiece(ctx, row, span, sealed, storing.signal, remainder).then(() => through(i)), lease.release);
            else {
              through(i);
              lease.release();
              ctx.metrics.pieces.inc({ direction: "up", outcome: "resumed" });
            }
          }
        } catch (error) {
          lease.release();
          throw error;
        }
      } catch (error) {
        // The slot is reused once the task ends: the hash must be done reading it.
        await hashed.catch(() => undefined);
        throw error;
      }
      await hashed;
      return plain;
    });
    try {
      for await (const _ of pieces) {
        // Progress is counted as each piece is stored (pieceStored), not as it is sealed.
      }
      await storing.done();
    } catch (error) {
      fileHash.dispose();
      // The window failed (the file changed, a read failed): the upload cannot end done, so the
      // pieces still on their way to the store stop rather than be sent for nothing first.
      storing.stop(error);
      // A failed store is the cause, not the window's abort it triggered.
      throw storing.failure ?? error;
    } finally {
      // Nothing may still use a buffer when it goes back: the window has settled, and so has every store.
      await storing.settled();
      plainSlots.release();
      sealedBuffers.release();
      storing.dispose();
    }
    // Taken first: a check below that refuses the upload would otherwise leave the hash on the worker.
    const plaintextSha256 = await fileHash.digest();
    if ((await source.stat()).size !== row.plaintext_size) throw sourceChanged(row.id, "its size changed during the upload");
    // Edited in place (same size) while it was read: the pieces would hold two versions of the file.
    // A first run compares what an edit moves, not the change time: renaming, moving or deleting the
    // file while it is sent moves that too, and leaves the bytes read as they were. (A resumed run's
    // pieces were each checked with it before they were sealed again: ResumeGuard.)
    const recorded = ctx.uploads.sourceIdentity(row.id);
    const now = await sourceIdentity(source);
    if (recorded === undefined || (guard === undefined ? recorded.stable !== now.stable : !sameSource(recorded, now))) {
      throw sourceChanged(row.id, "it was modified during the upload");
    }
    // A cancel during the checks above returned to the application as done: it must not end done.
    throwIfAborted(signal, `upload ${row.id}`);
    return finishUpload(ctx, row, machine, plaintextSha256);
  } finally {
    await source.close();
  }
}

/** Sealed pieces an upload holds at most: those in its window, and those waiting for the store. */
export function sealedBufferCount(piecesInFlight: number): number {
  return piecesInFlight + Math.ceil(piecesInFlight / 2);
}

/** Stores one sealed piece (retries, failover; judged slow by the job's `remainder`) and journals it with its CID and sha256. */
async function storePiece(
  ctx: ClientContext,
  row: UploadJobRow,
  span: PieceSpan,
  sealed: Uint8Array,
  signal: AbortSignal,
  remainder: JobRemainder,
  onSent?: (sent: number) => void,
): Promise<void> {
  const what = `put of piece ${span.index} of upload ${row.id}`;
  // Our own sha256 of the piece, on the worker while it is stored; not needed when the store hashed these very bytes in this process.
  let hashing: Promise<Buffer> | undefined;
  const { cid, hashedByStore } = await withRetries(
    { pool: ctx.pool, policy: ctx.policy, signal, what, random: ctx.random, onRetry: retryReporter(ctx, "up", what), remainder, direction: "up" },
    async (backend, attemptSignal, progress) => {
      const inProcess = backend.hashesInProcess === "sha2-256";
      if (!inProcess && hashing === undefined) {
        hashing = ctx.hasher.digest(sealed);
        hashing.catch(() => undefined);
      }
      // progress: the attempt timeout counts from the last bytes the socket took (a slow uplink is not a stall).
      const reported =
        onSent === undefined
          ? progress
          : (sent?: number, total?: number): void => {
              progress(sent, total);
              if (sent !== undefined) onSent(sent);
            };
      const cid = checkPutAnswer(backend, await backend.put(sealed, { signal: attemptSignal, size: sealed.byteLength, progress: reported }), what);
      return { cid, hashedByStore: inProcess ? rawSha256Digest(cid) : undefined };
    },
  );
  const sha256 = hashedByStore ?? (await (hashing ?? ctx.hasher.digest(sealed)));
  ctx.uploads.recordPiece(row.id, { idx: span.index, cid, size: sealed.byteLength, sha256, offset: span.sealedOffset }, ctx.clock.now());
  ctx.metrics.pieces.inc({ direction: "up", outcome: "stored" });
  ctx.metrics.bytes.inc({ direction: "up" }, sealed.byteLength);
}

function finishUpload(ctx: ClientContext, row: UploadJobRow, machine: JobMachine, plaintextSha256: Buffer): ShareResult {
  const rows = ctx.uploads.pieces(row.id);
  const now = ctx.clock.now();
  const pieces: Piece[] = rows.map((p) => ({ cid: p.cid, size: p.size, sha256: p.sha256 }));
  const view: FileReference = {
    pieces,
    encryption: { scheme: "aes-256-gcm-stream", key: row.enc_key, noncePrefix: row.nonce_prefix, chunkSize: row.chunk_size },
    plaintextSize: row.plaintext_size,
    mime: row.mime,
    fileName: row.file_name,
    plaintextSha256,
  };
  // The file lasts as long as its oldest piece (a resumed upload's first pieces are older).
  const oldest = Math.min(...rows.map((p) => p.uploaded_at));
  if (ctx.writesExpiry) {
    view.uploadedAt = Math.floor(now / 1000);
    view.expiresAt = Math.floor((oldest + ctx.ttlMs) / 1000);
  }
  // Written as this client writes, whichever release journaled the job: after an upgrade the app
  // sends it in envelopes of its own version (a version 2 reference in a version 3 envelope is
  // refused: its pieces have no index); after a rollback the job's protocol may be one this build
  // cannot encode.
  const protocol = ctx.protocol;
  const reference = encodeReference(view, protocol);
  machine.finish((at) =>
    ctx.db.transaction(() => {
      ctx.uploads.finish(row.id, reference, plaintextSha256, protocol, at);
      ctx.uploads.forgetRunIdentity(row.id);
      for (const p of rows) ctx.availability.uploaded(p.cid, p.uploaded_at, p.uploaded_at + ctx.ttlMs);
      releaseSpool(ctx, row.id, row.source_path);
    })(),
  );
  return { jobId: row.id, reference, view, protocol };
}
