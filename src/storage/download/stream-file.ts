import { ChunkOpener, createSha256, prepareParams, sameDigest, sealedChunkSize } from "../../crypto/index.js";
import type { FileReference } from "../../wire/index.js";
import { retryReporter, type ClientContext } from "../client-context.js";
import { SlotBuffers } from "../file-io.js";
import { orderedWindow } from "../ordered-window.js";
import { planOfReference, type PieceSpan } from "../piece-plan.js";
import { withRetries } from "../retry/index.js";
import { StorageError } from "../storage-error.js";
import { checkReceivable } from "./run-download.js";
import { fetchPiece } from "./fetch-piece.js";

/**
 * The verified plaintext as a stream, for light clients and viewers: pieces fetched ahead in a
 * bounded window, each checked against its sha256, then opened chunk by chunk (every chunk
 * authenticated before it is yielded; each yielded buffer is fresh and may be kept). The last
 * piece is held back until the whole-file sha256 matches, so a stream that ends normally is the
 * whole, verified file. Not journaled: a stream cannot resume after a crash (fetch to a file can).
 */
export async function* streamFile(ctx: ClientContext, view: FileReference, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  checkReceivable(ctx, view);
  const plan = planOfReference(view, ctx.maxPieceBytes);
  const params = prepareParams(view.encryption);
  const opener = new ChunkOpener(params);
  const step = sealedChunkSize(plan.chunkSize);
  const width = ctx.piecesInFlight;
  const sealedSlots = new SlotBuffers(width, plan.maxSealedSize, ctx.buffers);
  const fileHash = createSha256();
  const last = plan.pieces.length - 1;
  const held: Buffer[] = [];
  const pieces = orderedWindow(plan.pieces.length, width, signal, async (i, slot, pieceSignal) => {
    const piece = view.pieces[i] as FileReference["pieces"][number];
    const what = `fetch of piece ${i} (${piece.cid})`;
    const sealed = await withRetries(
      { pool: ctx.pool, policy: ctx.policy, signal: pieceSignal, what, random: ctx.random, onRetry: retryReporter(ctx, "down", what) },
      (backend, attemptSignal, progress) => fetchPiece(backend, piece, i, sealedSlots.get(slot), attemptSignal, ctx.hasher, progress),
    );
    ctx.metrics.bytes.inc({ direction: "down" }, sealed.byteLength);
    ctx.metrics.pieces.inc({ direction: "down", outcome: "fetched" });
    return sealed;
  });
  try {
    for await (const { index, value: sealed } of pieces) {
      const span = plan.pieces[index] as PieceSpan;
      for (let at = 0, chunk = span.firstChunk; at < sealed.byteLength; at += step, chunk++) {
        const isFinal = chunk === plan.totalChunks - 1;
        // planOfReference made sure only the file's final chunk can be short.
        const body = opener.tryOpen(chunk, isFinal, sealed.subarray(at, Math.min(at + step, sealed.byteLength)));
        if (body === undefined) {
          throw new StorageError("E_INTEGRITY", `piece ${index} matches its sha256 but chunk ${chunk} does not decrypt: wrong key or a tampered reference`, {
            details: { piece: index, chunk },
          });
        }
        fileHash.update(body);
        if (index === last) held.push(body);
        else if (body.byteLength > 0) yield body;
      }
    }
  } finally {
    sealedSlots.release();
  }
  if (!sameDigest(fileHash.digest(), view.plaintextSha256)) {
    throw new StorageError("E_INTEGRITY", "the decrypted file does not hash to the reference's plaintext sha256; the reference is wrong");
  }
  for (const body of held) if (body.byteLength > 0) yield body;
}
