import { ChunkOpener, ChunkSealer, authFailed } from "./chunk-cipher.js";
import { sealedChunkSize } from "./chunk-layout.js";
import { CryptoError } from "./crypto-error.js";
import { MAX_CHUNKS, TAG_BYTES, type PreparedParams } from "./stream-params.js";

/**
 * Consecutive chunks of one file, starting at chunk `firstChunk`, sealed or opened in one call.
 * This is the piece path: a piece holds whole chunks (except that the file's final chunk may be
 * short), so each piece encrypts and decrypts on its own, in any order, into preallocated buffers.
 */
export interface RangeLayout {
  /** Index of the range's first chunk in the file. */
  readonly firstChunk: number;
  /** Chunks in the whole file: the one with index totalChunks-1 carries the final flag. */
  readonly totalChunks: number;
}

/** Seals `plaintext` (whole chunks; a short tail only when it ends the file) into `out`; returns bytes written. */
export function sealRange(params: PreparedParams, layout: RangeLayout, plaintext: Uint8Array, out: Uint8Array, sealer = new ChunkSealer(params)): number {
  checkLayout(layout);
  const size = params.chunkSize;
  const count = plaintext.byteLength === 0 ? 1 : Math.ceil(plaintext.byteLength / size);
  const lastIndex = layout.firstChunk + count - 1;
  const shortTail = plaintext.byteLength % size !== 0 || plaintext.byteLength === 0;
  if (lastIndex >= layout.totalChunks || (shortTail && lastIndex !== layout.totalChunks - 1)) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `a range of ${plaintext.byteLength} bytes from chunk ${layout.firstChunk} does not fit a ${layout.totalChunks}-chunk stream`, {
      details: { firstChunk: layout.firstChunk, totalChunks: layout.totalChunks, bytes: plaintext.byteLength },
    });
  }
  const needed = plaintext.byteLength + count * TAG_BYTES;
  if (out.byteLength < needed) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `output buffer of ${out.byteLength} bytes is smaller than the ${needed} sealed bytes`, { details: { needed } });
  }
  let written = 0;
  for (let i = 0; i < count; i++) {
    const index = layout.firstChunk + i;
    const chunk = plaintext.subarray(i * size, Math.min((i + 1) * size, plaintext.byteLength));
    written += sealer.seal(index, index === layout.totalChunks - 1, chunk, out, written);
  }
  return written;
}

/**
 * Opens `sealed` (whole sealed chunks; a short tail only when it ends the file) into `out`; returns
 * plaintext bytes. Fails on the first chunk that does not authenticate; `out` then holds no more
 * than the chunks before it, which the caller discards.
 */
export function openRange(params: PreparedParams, layout: RangeLayout, sealed: Uint8Array, out: Uint8Array, opener = new ChunkOpener(params)): number {
  checkLayout(layout);
  const step = sealedChunkSize(params.chunkSize);
  const count = Math.max(1, Math.ceil(sealed.byteLength / step));
  const lastIndex = layout.firstChunk + count - 1;
  const tail = sealed.byteLength - (count - 1) * step;
  if (tail < TAG_BYTES || lastIndex >= layout.totalChunks) {
    throw new CryptoError("E_CRYPTO_TRUNCATED", `${sealed.byteLength} sealed bytes from chunk ${layout.firstChunk} do not end on a chunk of a ${layout.totalChunks}-chunk stream`, {
      details: { firstChunk: layout.firstChunk, totalChunks: layout.totalChunks, bytes: sealed.byteLength },
    });
  }
  // Checked before any chunk is opened: a buffer found short part way was a RangeError, with the
  // chunks before it already written.
  const needed = sealed.byteLength - count * TAG_BYTES;
  if (out.byteLength < needed) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `output buffer of ${out.byteLength} bytes is smaller than the ${needed} bytes the sealed chunks hold`, { details: { needed } });
  }
  let written = 0;
  for (let i = 0; i < count; i++) {
    const index = layout.firstChunk + i;
    const last = index === layout.totalChunks - 1;
    const chunk = sealed.subarray(i * step, Math.min((i + 1) * step, sealed.byteLength));
    // A short chunk that is not the file's final one can only be a cut.
    if (!last && chunk.byteLength !== step) throw new CryptoError("E_CRYPTO_TRUNCATED", `chunk ${index} is cut short`, { details: { chunk: index } });
    const body = opener.tryOpen(index, last, chunk);
    if (body === undefined) throw authFailed(index, last);
    out.set(body, written);
    written += body.byteLength;
  }
  return written;
}

/**
 * A layout naming chunks the 4-byte counter has, in whole numbers: a NaN or fractional total made no
 * chunk the final one (a final chunk then failed as "altered"), and a total past the counter let a
 * range run on to an index it cannot number.
 */
function checkLayout(layout: RangeLayout): void {
  const { firstChunk, totalChunks } = layout;
  if (!Number.isSafeInteger(totalChunks) || totalChunks < 1 || totalChunks > MAX_CHUNKS || !Number.isSafeInteger(firstChunk) || firstChunk < 0 || firstChunk >= totalChunks) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `chunk ${String(firstChunk)} of a ${String(totalChunks)}-chunk stream is not a range the 4-byte counter can number`, {
      details: { firstChunk, totalChunks },
    });
  }
}
