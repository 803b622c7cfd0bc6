import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { contentCidIn } from "../cache-store.js";
import { filesMatch } from "../file-holds.js";
import type { ClientContext } from "../client-context.js";
import { asStorageError } from "../job-errors.js";

/**
 * Upload `id` no longer needs its source kept (it is done or cancelled): a spooled file, or a
 * cached download shared on by its path, becomes evictable, unless another unfinished upload of the
 * same file still reads it.
 */
export function releaseSpool(ctx: ClientContext, id: string, sourcePath: string): void {
  // A spooled source (share of bytes) or a cached download is named by its content CID under its directory.
  const spooled = contentCidIn(ctx.dirs.spool, sourcePath) ?? contentCidIn(ctx.dirs.cache, sourcePath);
  // The pin is the content's one entry's: only its own file's uploads release it (not one of a copy it superseded).
  if (spooled !== undefined && ctx.cache.pathOf(spooled) === sourcePath && !ctx.uploads.othersOf(sourcePath, id)) ctx.cache.unpin(spooled);
}

/**
 * Spool files a crash left between their rename and their entry in the journal: counted under the
 * quota again (evictable, or pinned when an unfinished upload reads one), never left on disk
 * uncounted. A copy of content the journal keeps elsewhere goes, unless an upload reads it: then
 * the shares reading it move to the other copy when that is a received file holding the same bytes
 * (readsCachedCopyInstead); else it supersedes the other copy, as add() does, unless an upload reads
 * that one too. Best effort: a file that cannot be looked at is left for the next start.
 */
export async function adoptStraySpoolFiles(ctx: ClientContext): Promise<void> {
  const names = await readdir(ctx.dirs.spool).catch(() => [] as string[]);
  for (const name of names) {
    // Dot files are spool temps (removed once stale, see removeStraySpoolTemps).
    if (name.startsWith(".")) continue;
    const path = join(ctx.dirs.spool, name);
    try {
      const kept = ctx.cache.pathOf(name);
      if (kept === path) continue;
      const info = await stat(path);
      if (!info.isFile()) continue;
      const read = ctx.uploads.othersOf(path, "");
      if (read && kept !== undefined && (await readsCachedCopyInstead(ctx, name, path, kept))) continue;
      if (kept === undefined) ctx.cache.add(name, path, info.size, read);
      else if (!read) await unlink(path);
      // Read by an unfinished upload, with the content cached elsewhere (a received file): the spool
      // file takes over the entry, and the cached copy goes, as add() would have done had the crash
      // not come first. A copy an unfinished upload reads (a pending forward's source) stays, and this file uncounted.
      else if (!ctx.uploads.othersOf(kept, "")) ctx.cache.add(name, path, info.size, true);
      else ctx.log.warn("a spooled copy of a file a pending forward reads is left uncounted");
    } catch (error) {
      ctx.log.warn({ code: asStorageError(error).code }, "could not account for a spool file left by a crash");
    }
  }
}

/**
 * The crash came between a share's spool write and its switch to the received file of the same
 * bytes that reached the cache meanwhile (sourceOfSharedBytes): the switch is made now, when every
 * upload reading the spool file is such a share (queued, never run) and the cached file still holds
 * its bytes. Recording the spool file instead would delete the received file (one entry per
 * content), under the path fetch gave and any forward of it. True when done (the spool file is gone).
 */
async function readsCachedCopyInstead(ctx: ClientContext, cid: string, spooled: string, cached: string): Promise<boolean> {
  if (contentCidIn(ctx.dirs.cache, cached) !== cid) return false;
  const readers = ctx.uploads.inStates(["queued", "uploading", "failed"]).filter((row) => row.source_path === spooled);
  if (readers.some((row) => row.state !== "queued" || ctx.uploads.sourceIdentity(row.id) !== undefined)) return false;
  if (!(await filesMatch(spooled, cached))) return false;
  ctx.db.transaction(() => {
    for (const row of readers) ctx.uploads.moveSource(row.id, cached);
    ctx.cache.pin(cid);
  })();
  await unlink(spooled).catch(() => undefined);
  return true;
}
