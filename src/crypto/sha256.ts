import { createHash, type Hash } from "node:crypto";

export const SHA256_BYTES = 32;

export function sha256(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}

/** An incremental sha256 (a piece as it streams in, a file as its pieces are read in order). */
export function createSha256(): Hash {
  return createHash("sha256");
}

/** Constant-time comparison is not needed for public hashes; length and bytes must match. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
