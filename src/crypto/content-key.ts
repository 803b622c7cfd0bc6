import { randomBytes } from "node:crypto";
import { DEFAULT_CHUNK_SIZE, KEY_BYTES, NONCE_PREFIX_BYTES, type StreamParams } from "./stream-params.js";

/**
 * Fresh parameters for one file: a random 256-bit key and a random nonce prefix. A key is never
 * reused across files, so the 7-byte prefix only has to keep one file's nonces apart (the counter does).
 */
export function newStreamParams(chunkSize: number = DEFAULT_CHUNK_SIZE): StreamParams {
  return { key: randomBytes(KEY_BYTES), noncePrefix: randomBytes(NONCE_PREFIX_BYTES), chunkSize };
}
