import type { Hash } from "node:crypto";
import { ChunkOpener, createSha256, prepareParams, sameDigest, sealedChunkSize } from "../../crypto/index.js";
import type { FileReference } from "../../wire/index.js";
import { throwIfAborted } from "../abort-error.js";
import { retryReporter, type ClientContext } from "../client-context.js";
import { SlotBuffers } from "../file-io.js";
import { orderedWindow } from "../ordered-window.js";
import { planOfReference, type PieceSpan } from "../piece-plan.js";
import { JobRemainder, withRetries } from "../retry/index.js";
import { StorageError } from "../storage-error.js";
import { checkReceivable } from "./run-download.js";
import { fetchPiece } from "./fetch-piece.js";
import { OpenSteps } from "./open-steps.js";
import { slotSizes } from "./slot-sizes.js";

/**
 * Where a stream is, so one that gave up its slot and buffers (its consumer paused) can go on from
 * there with a new window: the pieces it still needs are fetched again, each checked against its
 * sha256 as before, and the chunks it already handed out are skipped.
 */
export interface StreamPosition {
  /** The next chunk to hand out: every chunk before it was yielded (or was empty). */
  nextChunk: number;
  /** The whole-file hash over the chunks before nextChunk (all of them once `verified`). */
  readonly fileHash: Hash;
  /** The whole-file sha256 matched: what is left is the held-back last piece. */
  verified: boolean;
}

export function streamStart(): StreamPosition {
  return { nextChunk: 0, fileHash: createSha256(), verified: false };
}

/**
 * The verified plaintext as a stream, for light clients and viewers: pieces fetched ahead in a
 * bounded window, each checked against its sha256, then opened chunk by chunk (every chunk
 * authenticated before it is yielded; each yielded buffer is fresh and may be kept). The last
 * piece is held back until the whole-file sha256 matches, so a stream that ends normally is the
 * whole, verified file: it is opened once, chunk by chunk, into its own slot (each chunk's
 * plaintext over the sealed bytes already read), hashed, and handed out as copies once the hash
 * matched. So it costs no buffer beyond its sealed slot (a whole file's worth for a one-piece file
 * would be outside the transfer memory budget) and is not decrypted a second time. Not journaled:
 * a stream cannot resume after a crash (fetch to a file can).
 */
export async function* streamFile(
  ctx: ClientContext,
  view: FileReference,
  signal: AbortSignal,
  at: StreamPosition = streamStart(),
): AsyncGenerator<Buffer, void, undefined> {
  checkReceivable(ctx, view);
  const plan = planOfReference(view, ctx.maxPieceBytes);
  // Paused after its very last chunk: nothing is left to fetch again.
  if (at.verified && at.nextChunk >= plan.totalChunks) return;
  const params = prepareParams(view.encryption);
  const opener = new ChunkOpener(params);
  const step = sealedChunkSize(plan.chunkSize);
  const width = ctx.piecesInFlight;
  // Each slot as large as the pieces it holds (slot-sizes.ts), not every slot as large as the largest piece.
  const sealedSlots = new SlotBuffers(width, slotSizes(plan, width, (span) => span.sealedSize), ctx.buffers);
  const fileHash = at.fileHash;
  const last = plan.pieces.length - 1;
  const steps = new OpenSteps(plan.chunkSize);
  const open = (index: number, chunk: number, sealed: Buffer, offset: number): Buffer => {
    // planOfReference made sure only the file's final chunk can be short.
    const body = opener.tryOpen(chunk, chunk === plan.totalChunks - 1, sealed.subarray(offset, Math.min(offset + step, sealed.byteLength)));
    if (body === undefined) {
      throw new StorageError("E_INTEGRITY", `piece ${index} matches its sha256 but chunk ${chunk} does not decrypt: wrong key or a tampered reference`, {
        details: { piece: index, chunk },
      });
    }
    return body;
  };
  // The piece holding the next chunk (a stream starting over after a pause); 0 at the start.
  let from = 0;
  while (from < last && (plan.pieces[from + 1] as PieceSpan).firstChunk <= at.nextChunk) from++;
  // A slow endpoint is judged by the pieces this stream still has to fetch, not by one (withRetries).
  const remainder = new JobRemainder(view.pieces.slice(from).map((p) => p.size), width);
  const pieces = orderedWindow(plan.pieces.length - from, width, signal, async (k, slot, pieceSignal) => {
    const i = from + k;
    const piece = view.pieces[i] as FileReference["pieces"][number];
    const what = `fetch of piece ${i} (${piece.cid})`;
    const sealed = await withRetries(
      { pool: ctx.pool, policy: ctx.policy, signal: pieceSignal, what, random: ctx.random, onRetry: retryReporter(ctx, "down", what), remainder, direction: "down", hedge: true },
      // A hedge (a second endpoint asked for a slow piece) reads into a buffer of its own: the slot's is the first attempt's.
      (backend, attemptSignal, progress, hedge) =>
        fetchPiece(backend, piece, i, hedge ? Buffer.allocUnsafe(piece.size) : sealedSlots.get(slot), attemptSignal, ctx.hasher, progress),
    );
    remainder.pieceDone(piece.size);
    ctx.metrics.bytes.inc({ direction: "down" }, sealed.byteLength);
    ctx.metrics.pieces.inc({ direction: "down", outcome: "fetched" });
    return sealed;
  });
  try {
    // The last piece's plaintext, opened in its own slot (verified chunk by chunk), once it was hashed.
    let lastPlain: Buffer | undefined;
    for await (const { index: k, value: sealed } of pieces) {
      const index = from + k;
      const span = plan.pieces[index] as PieceSpan;
      const holdBack = index === last && !at.verified;
      let kept = 0;
      for (let offset = 0, chunk = span.firstChunk; offset < sealed.byteLength; offset += step, chunk++) {
        if (chunk < at.nextChunk) continue;
        const body = open(index, chunk, sealed, offset);
        const turn = steps.afterChunks();
        if (turn !== undefined) {
          await turn;
          // Aborted (the viewer closed, the client stopped) while a held-back piece is opened: nothing
          // else looks at the signal until the whole piece is, 48 MiB of decryption for a one-piece file.
          throwIfAborted(signal, "streamed fetch");
        }
        if (at.verified) {
          // The rest of the held-back last piece, fetched again after a pause; the file hash already matched.
          at.nextChunk = chunk + 1;
          if (body.byteLength > 0) yield body;
          continue;
        }
        fileHash.update(body);
        if (holdBack) {
          // Over sealed bytes already read: chunk i's plaintext ends before chunk i+1's ciphertext starts.
          sealed.set(body, kept);
          kept += body.byteLength;
          continue;
        }
        at.nextChunk = chunk + 1;
        if (body.byteLength > 0) yield body;
      }
      if (holdBack) lastPlain = sealed.subarray(0, kept);
    }
    if (at.verified) return;
    if (!sameDigest(fileHash.digest(), view.plaintextSha256)) {
      throw new StorageError("E_INTEGRITY", "the decrypted file does not hash to the reference's plaintext sha256; the reference is wrong");
    }
    at.verified = true;
    if (lastPlain === undefined) return;
    const span = plan.pieces[last] as PieceSpan;
    for (let offset = 0, chunk = span.firstChunk; offset < lastPlain.byteLength; offset += plan.chunkSize, chunk++) {
      // A copy: the slot goes back to the pool, and a yielded buffer is the consumer's to keep.
      const body = Buffer.from(lastPlain.subarray(offset, offset + plan.chunkSize));
      at.nextChunk = chunk + 1;
      yield body;
      const turn = steps.afterChunks();
      if (turn !== undefined) await turn;
    }
  } finally {
    sealedSlots.release();
  }
}
