import { chunkCount, sealedChunkSize, TAG_BYTES } from "../crypto/index.js";
import type { FileReference } from "../wire/index.js";
import { StorageError } from "./storage-error.js";

/** One piece: which chunks it holds, where its plaintext and ciphertext sit. */
export interface PieceSpan {
  readonly index: number;
  readonly firstChunk: number;
  readonly plainOffset: number;
  readonly plainSize: number;
  readonly sealedOffset: number;
  readonly sealedSize: number;
}

export interface PiecePlan {
  readonly plaintextSize: number;
  readonly chunkSize: number;
  readonly totalChunks: number;
  readonly pieces: readonly PieceSpan[];
  /** The largest piece's plaintext and ciphertext, to size buffers. */
  readonly maxPlainSize: number;
  readonly maxSealedSize: number;
}

/**
 * How the sender cuts a file: pieces of `piecePlainSize` plaintext bytes (a whole number of
 * chunks), so each piece seals and opens on its own and is the unit that is stored, retried and
 * resumed.
 */
export function planPieces(plaintextSize: number, chunkSize: number, piecePlainSize: number): PiecePlan {
  const totalChunks = chunkCount(plaintextSize, chunkSize);
  const chunksPerPiece = piecePlainSize / chunkSize;
  // Settings round it to whole chunks; a journal row may not (corrupt, another release's): 0 would plan forever.
  if (!Number.isSafeInteger(chunksPerPiece) || chunksPerPiece < 1) {
    throw new StorageError("E_UNSUPPORTED", `the piece size ${piecePlainSize} is not a positive whole number of ${chunkSize}-byte chunks; this job cannot be planned (a corrupt journal row, or one another release wrote)`, {
      details: { pieceSize: piecePlainSize, chunkSize },
    });
  }
  const pieces: PieceSpan[] = [];
  let sealedOffset = 0;
  for (let first = 0; first < totalChunks; first += chunksPerPiece) {
    const plainOffset = first * chunkSize;
    const plainSize = Math.min(piecePlainSize, plaintextSize - plainOffset);
    const chunks = Math.min(chunksPerPiece, totalChunks - first);
    const sealedSize = plainSize + chunks * TAG_BYTES;
    pieces.push({ index: pieces.length, firstChunk: first, plainOffset, plainSize, sealedOffset, sealedSize });
    sealedOffset += sealedSize;
  }
  return finish(plaintextSize, chunkSize, totalChunks, pieces);
}

/** Plaintext bytes in the pieces at `indexes`: a resumed job's progress before it moves a byte. */
export function plainBytesOf(plan: PiecePlan, indexes: Iterable<number>): number {
  let bytes = 0;
  for (const i of indexes) bytes += plan.pieces[i]?.plainSize ?? 0;
  return bytes;
}

function finish(plaintextSize: number, chunkSize: number, totalChunks: number, pieces: PieceSpan[]): PiecePlan {
  let maxPlainSize = 0;
  let maxSealedSize = 0;
  for (const p of pieces) {
    maxPlainSize = Math.max(maxPlainSize, p.plainSize);
    maxSealedSize = Math.max(maxSealedSize, p.sealedSize);
  }
  return { plaintextSize, chunkSize, totalChunks, pieces, maxPlainSize, maxSealedSize };
}

function badReference(message: string, details: Record<string, unknown>): StorageError {
  return new StorageError("E_BAD_REFERENCE", `the file reference is unusable: ${message}`, { details });
}

/**
 * The receiver's view of a reference's pieces. Positions come from list order (a version 2 writer
 * has no index/offset; the wire layer already held a version 3 writer's to list order). Every piece
 * but the last must hold whole sealed chunks, the sizes must add up to the ciphertext of
 * `plaintextSize`, and no piece may exceed `maxPieceBytes` (what the receiver agrees to buffer).
 */
export function planOfReference(ref: FileReference, maxPieceBytes: number): PiecePlan {
  const chunkSize = ref.encryption.chunkSize;
  const step = sealedChunkSize(chunkSize);
  let totalChunks: number;
  try {
    totalChunks = chunkCount(ref.plaintextSize, chunkSize);
  } catch {
    // The sender's chunk size is too small for its file: the 4-byte chunk counter would wrap.
    throw badReference(`${ref.plaintextSize} bytes in ${chunkSize}-byte chunks are more chunks than a stream can number`, { plaintextSize: ref.plaintextSize, chunkSize });
  }
  const pieces: PieceSpan[] = [];
  let sealedOffset = 0;
  const n = ref.pieces.length;
  for (let i = 0; i < n; i++) {
    const size = (ref.pieces[i] as FileReference["pieces"][number]).size;
    if (size > maxPieceBytes) throw badReference(`piece ${i} is ${size} bytes, over the ${maxPieceBytes}-byte piece limit`, { piece: i, size });
    if (i < n - 1 && size % step !== 0) throw badReference(`piece ${i} (${size} bytes) does not hold whole ${step}-byte sealed chunks`, { piece: i, size });
    const firstChunk = sealedOffset / step;
    const chunks = Math.ceil(size / step);
    const plainOffset = firstChunk * chunkSize;
    const plainSize = size - chunks * TAG_BYTES;
    if (plainSize < 0 || firstChunk + chunks > totalChunks) {
      throw badReference(`piece ${i} runs past the ${totalChunks} chunks of a ${ref.plaintextSize}-byte file`, { piece: i });
    }
    pieces.push({ index: i, firstChunk, plainOffset, plainSize, sealedOffset, sealedSize: size });
    sealedOffset += size;
  }
  const expected = ref.plaintextSize + totalChunks * TAG_BYTES;
  if (sealedOffset !== expected) {
    throw badReference(`its pieces hold ${sealedOffset} bytes but ${ref.plaintextSize} bytes of plaintext encrypt to ${expected}`, {
      sealedBytes: sealedOffset,
      expected,
    });
  }
  return finish(ref.plaintextSize, chunkSize, totalChunks, pieces);
}
