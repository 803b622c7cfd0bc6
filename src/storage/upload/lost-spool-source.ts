import { open, stat } from "node:fs/promises";
import { sameDigest } from "../../crypto/index.js";
import { contentCidIn } from "../cache-store.js";
import type { ClientContext } from "../client-context.js";
import { rawSha256Digest } from "../content-id.js";
import { fileDigest } from "../file-digest.js";
import { readFromCachedCopy } from "../shared-bytes-source.js";
import { asStorageError } from "../job-errors.js";
import type { UploadJobRow } from "../journal/upload-journal.js";
import { sourceIdentity, type SourceIdentity } from "./source-identity.js";

/**
 * Shares of bytes an app was killed before spooling (journaled, queued, never run, their spool
 * file never written) read, instead, the received file in the cache that holds exactly those bytes
 * (the same content fetched before): before, such a share failed E_SOURCE_MISSING at the next start
 * though the client kept its bytes. The file is held from eviction while it is hashed (size and
 * sha256 against the spool file's name, the content CID, as a cache hit is checked), then pinned,
 * its identity as hashed recorded as the share's first run would (the application may write to it
 * before that run, which then fails E_SOURCE_CHANGED rather than send other bytes). A share without
 * such a file is left to fail E_SOURCE_MISSING as before. Best effort: a file that cannot be read
 * is left so too. A starting client calls it before it resumes any job.
 */
export async function readCachedCopiesOfLostSpools(
  ctx: ClientContext,
  rows: readonly UploadJobRow[] = ctx.uploads.inStates(["queued"]),
  signal?: AbortSignal,
): Promise<void> {
  const lost = new Map<string, string[]>();
  for (const row of rows) {
    const cid = contentCidIn(ctx.dirs.spool, row.source_path);
    if (cid === undefined || ctx.uploads.sourceIdentity(row.id) !== undefined) continue;
    if (await stat(row.source_path).then(() => true, () => false)) continue;
    lost.set(cid, [...(lost.get(cid) ?? []), row.id]);
  }
  for (const [cid, ids] of lost) {
    const kept = ctx.cache.pathOf(cid);
    const size = ctx.uploads.get(ids[0] as string)?.plaintext_size;
    if (kept === undefined || size === undefined || contentCidIn(ctx.dirs.cache, kept) !== cid) continue;
    const unhold = ctx.cache.hold(cid);
    try {
      const identity = await identityIfHolding(ctx, kept, cid, size, signal);
      if (identity === undefined) continue;
      readFromCachedCopy(ctx, ids, cid, kept, identity);
    } catch (error) {
      // The run was cancelled or the client stopped: that is the run's end, not a file it could not read.
      if (signal?.aborted === true) throw error;
      ctx.log.warn({ code: asStorageError(error).code }, "could not look at a cached file for a share whose spool write a crash cut");
    } finally {
      unhold();
    }
  }
}

/**
 * The same for one upload about to run (queued): a share whose spool write was lost that failed
 * E_SOURCE_MISSING (an earlier build failed it so at its start; this one does when the cache lacked
 * the bytes then), run again by the application's retry(), reads the received file of those bytes
 * the cache holds now. A failed job is not revisited on its own: the application was told it
 * failed, and may have shared the bytes again since. Gives the row as the run is to read it.
 * `signal` is the run's: cancel() or stop() ends the hash of a large file at once, not at its end.
 */
export async function readCachedCopyOfLostSpool(ctx: ClientContext, row: UploadJobRow, signal?: AbortSignal): Promise<UploadJobRow> {
  if (row.state !== "queued" || contentCidIn(ctx.dirs.spool, row.source_path) === undefined) return row;
  await readCachedCopiesOfLostSpools(ctx, [row], signal);
  return ctx.uploads.get(row.id) ?? row;
}

/** The identity of the file at `path` when it holds exactly the content `cid` names in `size` bytes, unchanged while it was hashed. */
async function identityIfHolding(ctx: ClientContext, path: string, cid: string, size: number, signal: AbortSignal | undefined): Promise<SourceIdentity | undefined> {
  const expected = rawSha256Digest(cid);
  if (expected === undefined) return undefined;
  const handle = await open(path, "r").catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const before = await sourceIdentity(handle);
    const digest = await fileDigest(ctx.hasher, path, size, signal);
    // The path may name another file by the time the hash opens it.
    if (!before.stable.startsWith(`${digest.dev}:${digest.ino}:`)) return undefined;
    if (digest.bytes !== size || !sameDigest(digest.sha256, expected)) return undefined;
    const after = await sourceIdentity(handle);
    return after.stable === before.stable && after.ctimeNs === before.ctimeNs ? before : undefined;
  } finally {
    await handle.close();
  }
}
