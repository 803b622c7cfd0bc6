import { createSecretKey, type KeyObject } from "node:crypto";
import { describedValue } from "../errors/index.js";
import { CryptoError } from "./crypto-error.js";

export const KEY_BYTES = 32;
export const NONCE_PREFIX_BYTES = 7;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Plaintext bytes per chunk by default: small enough to hold one per piece in flight, large enough that per-chunk cost vanishes. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** A chunk a reader must be able to hold in memory; matches the wire's cap. */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;
/** The counter is 4 bytes big-endian; one more chunk would reuse a nonce. */
export const MAX_CHUNKS = 2 ** 32;

/** What both ends of a chunked AEAD stream share: the content key, the nonce prefix and the chunk size. */
export interface StreamParams {
  /** 32 bytes. Never logged. */
  readonly key: Uint8Array;
  /** 7 random bytes. */
  readonly noncePrefix: Uint8Array;
  /** Plaintext bytes per chunk; the final chunk may be shorter (or empty for empty content). */
  readonly chunkSize: number;
}

/** Params checked once and the key imported once, so the per-chunk path does no validation or key setup. */
export interface PreparedParams {
  readonly key: KeyObject;
  readonly noncePrefix: Uint8Array;
  readonly chunkSize: number;
}

export function prepareParams(params: StreamParams): PreparedParams {
  checkParams(params);
  return { key: createSecretKey(params.key), noncePrefix: Uint8Array.from(params.noncePrefix), chunkSize: params.chunkSize };
}

/**
 * Throws prepareParams' E_CRYPTO_BAD_PARAMS for params of a shape no stream can have (the key's and
 * nonce prefix's lengths, the chunk size), without importing the key: a caller that prepares them
 * later (an upload, after its run may have replaced the key) checks a stored row's shape up front.
 */
export function checkParams(params: StreamParams): void {
  if (!(params.key instanceof Uint8Array) || params.key.byteLength !== KEY_BYTES) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `the content key must be ${KEY_BYTES} bytes`, {
      details: { field: "key", bytes: params.key instanceof Uint8Array ? params.key.byteLength : null },
    });
  }
  if (!(params.noncePrefix instanceof Uint8Array) || params.noncePrefix.byteLength !== NONCE_PREFIX_BYTES) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `the nonce prefix must be ${NONCE_PREFIX_BYTES} bytes`, {
      details: { field: "noncePrefix" },
    });
  }
  if (!Number.isSafeInteger(params.chunkSize) || params.chunkSize < 1 || params.chunkSize > MAX_CHUNK_SIZE) {
    throw new CryptoError("E_CRYPTO_BAD_PARAMS", `the chunk size must be between 1 and ${MAX_CHUNK_SIZE} bytes, not ${describedValue(params.chunkSize)}`, {
      details: { field: "chunkSize", chunkSize: params.chunkSize },
    });
  }
}
