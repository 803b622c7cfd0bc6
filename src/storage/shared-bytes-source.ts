import { unlink } from "node:fs/promises";
import { contentCidIn } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import { spoolBytes } from "./spool-file.js";
import type { SourceIdentity } from "./upload/source-identity.js";

/**
 * The file upload `id`, a share of `bytes` journaled (queued, not yet run) as reading their spool
 * file, reads them from: a received file in the cache that holds these very bytes, pinned like a
 * forward's (no copy written); else that spool file, written now and pinned under the quota; or,
 * when a download of the same bytes into the cache ended while they were spooled (a received
 * photo, sent on from memory and forwarded by its path at once), that cached file after all, with
 * the spooled duplicate removed. cache_entries keeps one file per content: a spool file recorded
 * over the cached one would delete it, under the path fetch gave and any forward of it.
 */
export async function sourceOfSharedBytes(ctx: ClientContext, id: string, cid: string, bytes: Uint8Array): Promise<string> {
  const kept = await useCachedCopy(ctx, id, cid, bytes);
  if (kept !== undefined) return kept;
  const { path: spooled, identity } = await spoolBytes(ctx.dirs.spool, cid, bytes);
  for (;;) {
    const looked = ctx.cache.pathOf(cid);
    const cached = await useCachedCopy(ctx, id, cid, bytes);
    if (cached !== undefined) {
      // Another share of these bytes may still read the spool file (its own decision is still to come).
      if (!ctx.uploads.othersOf(spooled, id) && ctx.cache.pathOf(cid) !== spooled) await removeDuplicate(spooled);
      return cached;
    }
    const recorded = ctx.db.transaction(() => {
      // A download of these bytes that ended since the look above: compare its file too.
      const now = ctx.cache.pathOf(cid);
      if (now !== looked && now !== undefined && contentCidIn(ctx.dirs.cache, now) === cid) return false;
      ctx.cache.add(cid, spooled, bytes.byteLength, true);
      // As a first run would: the app may write to this file (fetch gives its path) before that run.
      ctx.uploads.recordSourceIdentity(id, identity);
      return true;
    })();
    if (recorded) return spooled;
  }
}

/**
 * The cached file holding `bytes`, now the source of upload `id` and pinned; undefined when there
 * is none. Its identity as compared is recorded as the upload's, as a first run would: the app may
 * write to the file before the upload reads it, which then fails E_SOURCE_CHANGED rather than
 * sending other bytes than the ones shared.
 */
async function useCachedCopy(ctx: ClientContext, id: string, cid: string, bytes: Uint8Array): Promise<string | undefined> {
  const copy = await ctx.cache.copyHolding(cid, ctx.dirs.cache, bytes);
  if (copy === undefined) return undefined;
  return readFromCachedCopy(ctx, [id], cid, copy.path, copy.identity) ? copy.path : undefined;
}

/**
 * In one transaction: uploads `ids` read the cached file at `path`, found to hold content `cid` as
 * `identity` (recorded as each upload's, as a first run would), and that file is pinned. False, with
 * nothing changed, when `path` is no longer the content's cached file (replaced or dropped while it
 * was compared) or none of `ids` is still queued (cancelled meanwhile).
 */
export function readFromCachedCopy(ctx: ClientContext, ids: readonly string[], cid: string, path: string, identity: SourceIdentity): boolean {
  return ctx.db.transaction(() => {
    if (ctx.cache.pathOf(cid) !== path) return false;
    // Only uploads still queued move (as moveSource does): one cancelled while the file was compared
    // (retry()'s run of a lost spool write, 12f538f) has had its clean-up, which gives back the pin
    // of the path it read then, not this one: pinned, the file stayed out of eviction's reach with no
    // upload to give it back until the next start, and the cancelled job kept a source identity.
    const queued = ids.filter((id) => ctx.uploads.get(id)?.state === "queued");
    if (queued.length === 0) return false;
    for (const id of queued) {
      ctx.uploads.moveSource(id, path);
      ctx.uploads.recordSourceIdentity(id, identity);
    }
    ctx.cache.pin(cid);
    return true;
  })();
}

async function removeDuplicate(path: string): Promise<void> {
  // One that cannot be removed now is by the next start (a spool file no upload reads, of content kept elsewhere).
  await unlink(path).catch(() => undefined);
}
