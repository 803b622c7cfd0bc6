import { CompatError } from "../errors/index.js";

export type CryptoErrorCode =
  /** A chunk failed authentication: wrong key, altered bytes, a chunk moved to another position. */
  | "E_CRYPTO_AUTH_FAILED"
  /** The ciphertext ended before its final chunk (a dropped tail, a cut stream). */
  | "E_CRYPTO_TRUNCATED"
  /** Bytes follow the final chunk (an appended chunk, concatenated streams). */
  | "E_CRYPTO_TRAILING_DATA"
  /** A key, nonce prefix or chunk size of the wrong shape, or a counter that would wrap. */
  | "E_CRYPTO_BAD_PARAMS";

/** The crypto layer's one error class. Messages never carry key material or plaintext. */
export class CryptoError extends CompatError<CryptoErrorCode> {
  readonly layer = "crypto" as const;
}

// hasErrorCode narrows a crypto code to CryptoError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    crypto: CryptoError;
  }
}
