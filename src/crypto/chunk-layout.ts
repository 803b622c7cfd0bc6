import { describedValue } from "../errors/index.js";
import { CryptoError } from "./crypto-error.js";
import { MAX_CHUNK_SIZE, MAX_CHUNKS, TAG_BYTES } from "./stream-params.js";

/**
 * Where chunks sit in a stream. Plaintext chunk i covers [i*C, min((i+1)*C, P)); its ciphertext is
 * the same length plus a 16-byte tag, so ciphertext chunk i starts at i*(C+16). Empty content is one
 * empty final chunk (16 bytes), so even "nothing" is authenticated and cannot be confused with a cut.
 */
export function chunkCount(plaintextSize: number, chunkSize: number): number {
  // A negative, fractional or NaN size gave a count of 0, -0 or NaN, and so a ciphertext size a
  // caller would allocate or compare against as if it were one.
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `a plaintext size must be a whole number of bytes, not ${describedValue(plaintextSize)}`, { details: { plaintextSize } });
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `the chunk size must be between 1 and ${MAX_CHUNK_SIZE} bytes, not ${describedValue(chunkSize)}`, {
      details: { field: "chunkSize", chunkSize },
    });
  }
  const n = plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / chunkSize);
  if (n > MAX_CHUNKS) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `${plaintextSize} bytes in ${chunkSize}-byte chunks need ${n} chunks; the counter allows ${MAX_CHUNKS}`, {
      details: { plaintextSize, chunkSize },
    });
  }
  return n;
}

export function ciphertextSize(plaintextSize: number, chunkSize: number): number {
  return plaintextSize + chunkCount(plaintextSize, chunkSize) * TAG_BYTES;
}

/** Ciphertext bytes of one full chunk. */
export function sealedChunkSize(chunkSize: number): number {
  return chunkSize + TAG_BYTES;
}
