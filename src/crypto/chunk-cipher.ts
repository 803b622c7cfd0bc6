import { createCipheriv, createDecipheriv } from "node:crypto";
import { CryptoError } from "./crypto-error.js";
import { StreamNonce } from "./stream-nonce.js";
import { MAX_CHUNKS, TAG_BYTES, type PreparedParams } from "./stream-params.js";

const ALGORITHM = "aes-256-gcm";

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `chunk index ${index} is outside the 4-byte counter`, { details: { index } });
  }
}

/**
 * Seals one chunk at a time into a caller-owned buffer. node:crypto needs a fresh cipher object per
 * nonce and returns a new buffer from update(); those two are the only per-chunk allocations.
 */
export class ChunkSealer {
  private readonly nonce: StreamNonce;

  constructor(private readonly params: PreparedParams) {
    this.nonce = new StreamNonce(params.noncePrefix);
  }

  /** Writes ciphertext ‖ tag of `plaintext` at `out[offset]`; returns the bytes written. */
  seal(index: number, last: boolean, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
    checkIndex(index);
    const cipher = createCipheriv(ALGORITHM, this.params.key, this.nonce.at(index, last), { authTagLength: TAG_BYTES });
    const body = cipher.update(plaintext);
    cipher.final();
    out.set(body, offset);
    out.set(cipher.getAuthTag(), offset + body.byteLength);
    return body.byteLength + TAG_BYTES;
  }

  /** The sealed chunk as two fresh buffers (ciphertext, tag), for streams that hand buffers on. */
  sealParts(index: number, last: boolean, plaintext: Uint8Array): [Buffer, Buffer] {
    checkIndex(index);
    const cipher = createCipheriv(ALGORITHM, this.params.key, this.nonce.at(index, last), { authTagLength: TAG_BYTES });
    const body = cipher.update(plaintext);
    cipher.final();
    return [body, cipher.getAuthTag()];
  }
}

/** Opens one chunk at a time; nothing is written to `out` unless the chunk authenticates. */
export class ChunkOpener {
  private readonly nonce: StreamNonce;

  constructor(private readonly params: PreparedParams) {
    this.nonce = new StreamNonce(params.noncePrefix);
  }

  /** The plaintext of `sealed` (ciphertext ‖ tag), or undefined when it does not authenticate. */
  tryOpen(index: number, last: boolean, sealed: Uint8Array): Buffer | undefined {
    checkIndex(index);
    if (sealed.byteLength < TAG_BYTES) return undefined;
    const split = sealed.byteLength - TAG_BYTES;
    const decipher = createDecipheriv(ALGORITHM, this.params.key, this.nonce.at(index, last), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(split));
    const body = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return body;
  }

  /** Like tryOpen, but a failure is E_CRYPTO_AUTH_FAILED naming the chunk. */
  open(index: number, last: boolean, sealed: Uint8Array): Buffer {
    const body = this.tryOpen(index, last, sealed);
    if (body === undefined) throw authFailed(index, last);
    return body;
  }
}

export function authFailed(index: number, last: boolean): CryptoError {
  return new CryptoError(
    "E_CRYPTO_AUTH_FAILED",
    `chunk ${index}${last ? " (final)" : ""} failed authentication: wrong key, altered bytes, or a chunk out of place`,
    { details: { chunk: index, last } },
  );
}
