import { ChunkOpener, ChunkSealer, authFailed } from "./chunk-cipher.js";
import { ciphertextSize, sealedChunkSize } from "./chunk-layout.js";
import { CryptoError } from "./crypto-error.js";
import { prepareParams, TAG_BYTES, type StreamParams } from "./stream-params.js";

/**
 * Encrypts a byte stream of any length chunk by chunk. A full chunk is held until more input
 * arrives, because only the end of the input says which chunk is final. Memory: one chunk.
 * Yields fresh buffers (ciphertext, then its tag), so a consumer may keep them.
 */
export async function* encryptStream(source: AsyncIterable<Uint8Array>, params: StreamParams): AsyncGenerator<Buffer, void, undefined> {
  const prepared = prepareParams(params);
  const sealer = new ChunkSealer(prepared);
  const size = prepared.chunkSize;
  const pending = Buffer.allocUnsafe(size);
  let filled = 0;
  let index = 0;
  for await (const input of source) {
    let at = 0;
    while (at < input.byteLength) {
      if (filled === size) {
        yield* sealPending(sealer, index++, false, pending.subarray(0, filled));
        filled = 0;
      }
      const take = Math.min(size - filled, input.byteLength - at);
      pending.set(input.subarray(at, at + take), filled);
      filled += take;
      at += take;
    }
  }
  yield* sealPending(sealer, index, true, pending.subarray(0, filled));
}

function* sealPending(sealer: ChunkSealer, index: number, last: boolean, plaintext: Buffer): Generator<Buffer, void, undefined> {
  const [body, tag] = sealer.sealParts(index, last, plaintext);
  if (body.byteLength > 0) yield body;
  yield tag;
}

export interface DecryptStreamOptions {
  /** When known (a FileReference says it), a stream that decrypts to another size is refused (a longer one as soon as it runs past it). */
  expectedPlaintextSize?: number;
}

/**
 * Decrypts what encryptStream produced, yielding only authenticated plaintext. Detects a wrong key
 * or altered bytes (E_CRYPTO_AUTH_FAILED), a cut stream (E_CRYPTO_TRUNCATED: it ended on a chunk not
 * marked final) and bytes after the final chunk (E_CRYPTO_TRAILING_DATA). Memory: one sealed chunk.
 */
export async function* decryptStream(
  source: AsyncIterable<Uint8Array>,
  params: StreamParams,
  options: DecryptStreamOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  const prepared = prepareParams(params);
  const opener = new ChunkOpener(prepared);
  const step = sealedChunkSize(prepared.chunkSize);
  const pending = Buffer.allocUnsafe(step);
  let filled = 0;
  let index = 0;
  let produced = 0;
  const expected = options.expectedPlaintextSize;
  // What the expected plaintext seals to (an expected size that is no size is refused here, before
  // any byte is read): bytes past it were taken for a final chunk that failed authentication, when
  // a few followed a short final chunk.
  const expectedSealed = expected === undefined ? undefined : ciphertextSize(expected, prepared.chunkSize);
  let received = 0;
  for await (const input of source) {
    received += input.byteLength;
    if (expectedSealed !== undefined && received > expectedSealed) {
      throw new CryptoError("E_CRYPTO_TRAILING_DATA", `the stream runs past the ${expectedSealed} sealed bytes of the expected ${expected}-byte plaintext`, {
        details: { expected, expectedSealed },
      });
    }
    let at = 0;
    while (at < input.byteLength) {
      if (filled === step) {
        // More bytes follow a full chunk, so it must not be the final one.
        const sealed = pending.subarray(0, filled);
        const body = opener.tryOpen(index, false, sealed);
        if (body === undefined) {
          if (opener.tryOpen(index, true, sealed) !== undefined) {
            throw new CryptoError("E_CRYPTO_TRAILING_DATA", `bytes follow the final chunk (${index})`, { details: { chunk: index } });
          }
          throw authFailed(index, false);
        }
        produced += body.byteLength;
        // A final chunk still follows, and only empty content ends on an empty one: refused before
        // a reader is handed more than the reference announced.
        if (expected !== undefined && produced >= expected) throw sizeMismatch(produced, expected, "at least");
        index++;
        filled = 0;
        if (body.byteLength > 0) yield body;
      }
      const take = Math.min(step - filled, input.byteLength - at);
      pending.set(input.subarray(at, at + take), filled);
      filled += take;
      at += take;
    }
  }
  if (filled < TAG_BYTES) {
    throw new CryptoError("E_CRYPTO_TRUNCATED", `the stream ended after chunk ${index - 1} without a final chunk`, { details: { chunks: index } });
  }
  const sealed = pending.subarray(0, filled);
  const body = opener.tryOpen(index, true, sealed);
  if (body === undefined) {
    // A complete chunk that authenticates as non-final means the stream was cut right after it.
    if (opener.tryOpen(index, false, sealed) !== undefined) {
      throw new CryptoError("E_CRYPTO_TRUNCATED", `the stream ended after chunk ${index}, which is not the final chunk`, { details: { chunks: index + 1 } });
    }
    throw authFailed(index, true);
  }
  produced += body.byteLength;
  if (expected !== undefined && produced !== expected) throw sizeMismatch(produced, expected);
  if (body.byteLength > 0) yield body;
}

function sizeMismatch(produced: number, expected: number, atLeast?: "at least"): CryptoError {
  return new CryptoError(produced < expected ? "E_CRYPTO_TRUNCATED" : "E_CRYPTO_TRAILING_DATA", `decrypted ${atLeast === undefined ? "" : "more than "}${produced} bytes, expected ${expected}`, {
    details: { produced, expected },
  });
}
