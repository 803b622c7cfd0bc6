import type { PiecePlan, PieceSpan } from "../piece-plan.js";

/**
 * The buffer each slot of a piece window needs: the largest of the pieces it holds (piece i runs
 * in slot i % width, orderedWindow). A received reference chooses its piece sizes, and one large
 * piece among small ones (48 MiB, then pieces of one chunk) made every slot that large: a 50 MiB
 * file lent and reserved four times its size. Sized per slot, a window never holds more than the
 * file, however its pieces are cut.
 */
export function slotSizes(plan: PiecePlan, width: number, size: (span: PieceSpan) => number): number[] {
  const sizes = new Array<number>(Math.min(width, plan.pieces.length)).fill(0);
  for (const span of plan.pieces) {
    const slot = span.index % width;
    sizes[slot] = Math.max(sizes[slot] as number, size(span));
  }
  return sizes;
}

/** The bytes of all the slots together, for the transfer memory a run or stream takes. */
export function slotsTotal(sizes: readonly number[]): number {
  let total = 0;
  for (const size of sizes) total += size;
  return total;
}
