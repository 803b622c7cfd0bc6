import { createHash } from "node:crypto";
import type { FileReference } from "../../wire/index.js";

/**
 * Names what a reference fetches: its pieces (CIDs, sizes, sha256), its key, nonce prefix and chunk
 * size, and the plaintext's size and sha256. Two references with one name give the same bytes from
 * the same place, so a download of one may wait for the other's (DestinationTurns); references of
 * the same content by other pieces or another key do not, as one of them may never finish (pieces
 * that exist nowhere, a node that hangs or is offline). A digest: the key stays out of the name.
 */
export function copyKey(view: FileReference): string {
  const hash = createHash("sha256");
  const { key, noncePrefix, chunkSize } = view.encryption;
  hash.update(`${view.plaintextSize}:${chunkSize}:${view.pieces.length}:`).update(key).update(noncePrefix).update(view.plaintextSha256);
  for (const piece of view.pieces) hash.update(`${piece.cid}:${piece.size}:`).update(piece.sha256);
  return hash.digest("hex");
}
