/**
 * The bytes to hand the hashing worker. A typed array posted to a worker is cloned with its whole
 * backing buffer, so a view of a larger ordinary buffer (a slice of a file the application read
 * into memory, a lent buffer larger than the block) would send all of it, once per call: only the
 * view's own bytes are copied then. Shared memory (the client's slots) crosses without a copy, and
 * a buffer that is all view is cloned as it is.
 */
export function bytesForWorker(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer || bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}
