import { sameDigest, type Sha256Offload } from "../../crypto/index.js";
import type { Piece } from "../../wire/index.js";
import type { StorageBackend } from "../backend.js";
import { rawSha256Digest } from "../content-id.js";
import { StorageError } from "../storage-error.js";

/**
 * One attempt at one piece: streams it from the backend into `into`, hashes it (off the main thread), and
 * returns it only when its size and sha256 are exactly what the reference says. A short body is
 * E_TRUNCATED (worth a retry); a wrong size or hash is E_INTEGRITY (this endpoint serves other
 * bytes under that CID: never retried on it). Nothing unverified leaves this function.
 */
export async function fetchPiece(
  backend: StorageBackend,
  piece: Piece,
  index: number,
  into: Buffer,
  signal: AbortSignal,
  hasher: Sha256Offload,
  /** Called per chunk that arrives with the bytes so far (the attempt's timeout then counts from there). */
  onProgress?: (done: number, total: number) => void,
): Promise<Buffer> {
  // A backend that can reads straight into the slot; the copy below is then skipped.
  const got = await backend.get(piece.cid, { signal, into });
  const iterator = got.body[Symbol.asyncIterator]();
  try {
    if (got.size !== piece.size) {
      throw integrity(piece, index, backend, `${backend.kind} endpoint ${backend.location} says it holds ${got.size} bytes, the reference says ${piece.size}`);
    }
    let filled = 0;
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      const chunk = step.value;
      if (filled + chunk.byteLength > piece.size) {
        throw integrity(piece, index, backend, `${backend.kind} endpoint ${backend.location} sent more than the ${piece.size} bytes of the piece`);
      }
      if (!inPlace(chunk, into, filled)) into.set(chunk, filled);
      filled += chunk.byteLength;
      onProgress?.(filled, piece.size);
    }
    if (filled < piece.size) {
      throw new StorageError("E_TRUNCATED", `piece ${index} (${piece.cid}) ended after ${filled} of ${piece.size} bytes`, {
        details: { cid: piece.cid, piece: index, endpoint: backend.location, received: filled, expected: piece.size },
      });
    }
    // Whole-piece hash on the worker: the main thread opens the previous piece meanwhile. Not twice: a store
    // that hashes in process checked the bytes against the CID's digest as it read them, and that digest is the reference's.
    const checkedByStore = backend.hashesInProcess === "sha2-256" && sameDigest(rawSha256Digest(piece.cid) ?? new Uint8Array(0), piece.sha256);
    if (!checkedByStore && !sameDigest(await hasher.digest(into.subarray(0, filled)), piece.sha256)) {
      throw integrity(piece, index, backend, `its bytes from ${backend.kind} endpoint ${backend.location} do not hash to the sha256 in the reference`);
    }
    return into.subarray(0, filled);
  } catch (error) {
    // Release the body (socket or file handle) when we stop reading early.
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
}

/** The chunk already sits in `into` at `offset` (the backend read into the lent buffer). */
function inPlace(chunk: Uint8Array, into: Uint8Array, offset: number): boolean {
  return chunk.buffer === into.buffer && chunk.byteOffset === into.byteOffset + offset;
}

function integrity(piece: Piece, index: number, backend: StorageBackend, why: string): StorageError {
  return new StorageError("E_INTEGRITY", `piece ${index} (${piece.cid}) failed verification: ${why}`, { details: { cid: piece.cid, piece: index, endpoint: backend.location } });
}
