import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { contentCidIn } from "../cache-store.js";
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
  if (spooled !== undefined && !ctx.uploads.othersOf(sourcePath, id)) ctx.cache.unpin(spooled);
}

/**
 * Spool files a crash left between their rename and their entry in the journal: counted under the
 * quota again (evictable, or pinned when an unfinished upload reads one), never left on disk
 * uncounted. A copy of content the journal keeps elsewhere goes, unless an upload reads it: then it
 * supersedes the other copy, as add() does, unless an upload reads that one too. Best
 * effort: a file that cannot be looked at is left for the next start.
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
      if (kept === undefined) ctx.cache.add(name, path, info.size, read);
      else if (!read) await unlink(path);
      // Read by an unfinished upload, with the content cached elsewhere (a received file): the spool
      // file takes over the entry, and the cached copy goes, as add() would have done had the crash
      // not come first. A copy an unfinished upload reads (a pending forward's source) stays, and this file uncounted.
      else if (!ctx.uploads.othersOf(kept, "")) ctx.cache.add(name, path, info.size, true);
      else ctx.log.warn({ cid: name }, "a spooled copy of a file a pending forward reads is left uncounted");
    } catch (error) {
      ctx.log.warn({ cid: name, code: asStorageError(error).code }, "could not account for a spool file left by a crash");
    }
  }
}
