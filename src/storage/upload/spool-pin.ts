import { contentCidIn } from "../cache-store.js";
import type { ClientContext } from "../client-context.js";

/**
 * Upload `id` no longer needs its spooled source (it is done or cancelled): the file becomes
 * evictable, unless another unfinished upload of the same bytes (one spool file serves them all)
 * still reads it.
 */
export function releaseSpool(ctx: ClientContext, id: string, sourcePath: string): void {
  // A spooled source (share of bytes) is named by its content CID under the spool directory.
  const spooled = contentCidIn(ctx.dirs.spool, sourcePath);
  if (spooled !== undefined && !ctx.uploads.othersOf(sourcePath, id)) ctx.cache.unpin(spooled);
}
