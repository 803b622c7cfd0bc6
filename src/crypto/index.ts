/**
 * Chunked AEAD for shared files: AES-256-GCM with STREAM nonces (prefix ‖ counter ‖ final flag), so
 * every chunk authenticates on its own and a cut, reordered, dropped or appended chunk or a wrong key
 * is detected. Plus sha256 for pieces and whole files. See docs/storage.md, "Encryption".
 */
export { CryptoError } from "./crypto-error.js";
export type { CryptoErrorCode } from "./crypto-error.js";
export {
  KEY_BYTES,
  NONCE_PREFIX_BYTES,
  NONCE_BYTES,
  TAG_BYTES,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  checkParams,
  prepareParams,
} from "./stream-params.js";
export type { StreamParams, PreparedParams } from "./stream-params.js";
export { chunkCount, ciphertextSize, sealedChunkSize } from "./chunk-layout.js";
export { ChunkSealer, ChunkOpener } from "./chunk-cipher.js";
export { sealRange, openRange } from "./chunk-range.js";
export type { RangeLayout } from "./chunk-range.js";
export { encryptStream, decryptStream } from "./stream-cipher.js";
export type { DecryptStreamOptions } from "./stream-cipher.js";
export { newStreamParams } from "./content-key.js";
export { sha256, createSha256, sameDigest, SHA256_BYTES } from "./sha256.js";
export { Sha256Offload } from "./sha256-offload.js";
export type { RunningSha256 } from "./sha256-offload.js";
export {
  SIGNATURE_BYTES,
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  newSecretKey,
  publicKeyOf,
  signDigest,
  recoverSigner,
} from "./signature.js";
export type { RecoveredSigner, SignatureFault } from "./signature.js";
export { KECCAK256_BYTES, keccak256, loadKeccak256, keccak256Implementation } from "./keccak256.js";
export type { Keccak256Implementation } from "./keccak256.js";
