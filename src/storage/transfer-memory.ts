import type { FileReference } from "../wire/index.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { planOfReference, planPieces, type PiecePlan } from "./piece-plan.js";
import { openStepPlainBytes } from "./download/open-steps.js";
import { slotSizes, slotsTotal } from "./download/slot-sizes.js";
import { sealedBufferCount } from "./upload/run-upload.js";

/**
 * What each transfer takes from the client's transfer memory (`transferMemoryBytes`, a weighted
 * Slots) before it starts: the piece buffers its window holds at most. Per job these are bounded by
 * piecesInFlight, but a received reference may have pieces up to maxPieceBytes (64 MiB): two
 * downloads and four streams of 50 MiB one-piece files held 1.1 GB. A plan that cannot be made
 * takes nothing: its run fails with the typed error at once.
 */

/** An upload: a plaintext buffer per piece in flight and the sealed ones it lends to the stores. */
export function uploadMemoryBytes(row: UploadJobRow, piecesInFlight: number): number {
  const plan = planned(() => planPieces(row.plaintext_size, row.chunk_size, row.piece_size));
  if (plan === undefined) return 0;
  const n = plan.pieces.length;
  return Math.min(piecesInFlight, n) * plan.maxPlainSize + Math.min(sealedBufferCount(piecesInFlight), n) * plan.maxSealedSize;
}

/** A download: a sealed buffer and a step's plaintext (a piece is opened a step at a time) per piece in flight. */
export function downloadMemoryBytes(view: FileReference, maxPieceBytes: number, piecesInFlight: number): number {
  const plan = planned(() => planOfReference(view, maxPieceBytes));
  if (plan === undefined) return 0;
  // Per slot, the largest piece it holds (slot-sizes.ts): never more than the file, however its pieces are cut.
  return (
    slotsTotal(slotSizes(plan, piecesInFlight, (span) => span.sealedSize)) +
    slotsTotal(slotSizes(plan, piecesInFlight, (span) => openStepPlainBytes(plan.chunkSize, span.plainSize)))
  );
}

/**
 * A stream: a sealed buffer per piece in flight. The last piece, held back until the file hash
 * matched, is opened into its own slot (51fb07f), so it needs nothing more.
 */
export function streamMemoryBytes(view: FileReference, maxPieceBytes: number, piecesInFlight: number): number {
  const plan = planned(() => planOfReference(view, maxPieceBytes));
  if (plan === undefined) return 0;
  return slotsTotal(slotSizes(plan, piecesInFlight, (span) => span.sealedSize));
}

function planned(plan: () => PiecePlan): PiecePlan | undefined {
  try {
    return plan();
  } catch {
    return undefined;
  }
}
