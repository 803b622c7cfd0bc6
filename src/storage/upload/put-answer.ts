import { describedValue } from "../../errors/index.js";
import { isCidSyntax } from "../../wire/index.js";
import type { StorageBackend } from "../backend.js";
import { isCidText } from "../content-id.js";
import { StorageError } from "../storage-error.js";

/**
 * The CID a backend answered a piece's put with, refused at once when a FileReference cannot carry
 * it: CIDv1 text in base58btc (`z…`, at most the wire's length), as the Codex backend and the local
 * store return. A backend of the application's own (the StorageBackend port) that returns
 * multiformats' default `cid.toString()`, base32 for a CIDv1, had every piece stored and journaled
 * under that text, the share then failing E_BAD_REFERENCE at the reference's encoding, and retry()
 * failing so for good. E_BAD_CID goes to the next endpoint; nothing of the piece is journaled.
 */
export function checkPutAnswer(backend: StorageBackend, cid: unknown, what: string): string {
  if (typeof cid === "string" && isCidSyntax(cid) && isCidText(cid)) return cid;
  throw new StorageError(
    "E_BAD_CID",
    `the ${backend.kind} backend ${backend.location} answered the ${what} with ${describedValue(cid)}, which a FileReference cannot carry: a piece's CID must be CIDv1 text in base58btc ("z…"), as the Codex backend and the local store return (multiformats: cid.toString(base58btc)); nothing of this piece was journaled: fix the backend's put, then retry(id)`,
    { details: { cid: typeof cid === "string" ? cid.slice(0, 256) : typeof cid, location: backend.location, kind: backend.kind } },
  );
}
