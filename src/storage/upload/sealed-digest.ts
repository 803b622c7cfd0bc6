import { createSha256, TAG_BYTES } from "../../crypto/index.js";

/**
 * What a sealed piece is told apart by: the sha256 of its chunks' AES-GCM tags, in order. Under one
 * key and nonce a tag is GHASH over the chunk's ciphertext, keyed by the secret subkey, masked by the
 * nonce's keystream: the same plaintext gives the same tag, and another plaintext of the same length
 * (another ciphertext) the same tag only with probability about (chunk bytes / 16) / 2^128 for an
 * edit made without the key. So two digests equal under one key and nonce prefix mean the same bytes
 * under every nonce of the piece, at the cost of hashing 16 bytes per chunk (1 KiB for a 4 MiB piece
 * of 64 KiB chunks) rather than the whole piece again before its put. The tags are part of what the
 * store holds: the record says nothing the ciphertext does not (unlike a sha256 of the plaintext,
 * which a guess of a small file's content confirms).
 */
export function sealedDigest(sealed: Uint8Array, chunkSize: number): Buffer {
  const hash = createSha256();
  const sealedChunk = chunkSize + TAG_BYTES;
  for (let start = 0; start < sealed.byteLength; start += sealedChunk) {
    const end = Math.min(start + sealedChunk, sealed.byteLength);
    hash.update(sealed.subarray(end - TAG_BYTES, end));
  }
  return hash.digest();
}
