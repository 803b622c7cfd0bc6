import type { FileReference } from "../../wire/index.js";
import type { ClientContext } from "../client-context.js";
import { checkCachedFile } from "../cached-file-check.js";
import type { DownloadJobRow } from "../journal/download-journal.js";
import { renamedEarlier, type FetchResult } from "./run-download.js";

/**
 * The file a download would fetch, already where it goes, checked before anything is fetched: for a
 * download into the cache, the content's cached (or spooled) file, when it still hashes to the
 * reference (another download of the content ended while this one waited its turn, or the same bytes
 * were cached since this job was journaled): served as a cache hit is. For an `out`, only after
 * another run to it ended while this one waited (DestinationTurns): the verified file that run put
 * there, when it is this reference's plaintext. Undefined: fetch it.
 */
export async function placedBefore(ctx: ClientContext, row: DownloadJobRow, view: FileReference, cacheCid: string | undefined, waited: boolean, signal: AbortSignal): Promise<FetchResult | undefined> {
  if (cacheCid === undefined) return waited ? renamedEarlier(ctx, row, view, signal) : undefined;
  const hit = ctx.cache.lookup(cacheCid);
  if (hit === undefined || hit.size !== view.plaintextSize) return undefined;
  // Not evicted for another download while it is hashed; the application holds its path and may have written to it.
  const unhold = ctx.cache.hold(cacheCid);
  try {
    const check = await checkCachedFile(ctx.hasher, hit.path, view, signal).catch((error: unknown) => {
      // A stop or cancel ends the run as such; a file unreadable is fetched (as one gone or changed is).
      if (signal.aborted) throw error;
      return undefined;
    });
    if (check?.verdict !== "content") return undefined;
    return { jobId: row.id, path: hit.path, size: view.plaintextSize, sha256: check.digest.sha256, fromCache: true };
  } finally {
    unhold();
  }
}
