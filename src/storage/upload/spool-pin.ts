import { contentCidIn } from "../cache-store.js";
import type { ClientContext } from "../client-context.js";

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
