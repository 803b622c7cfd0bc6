import { basename, dirname } from "node:path";
import type { ClientContext } from "../client-context.js";

/** A spooled source (share of bytes) is named by its content CID under the spool directory. */
export function spooledContentCid(ctx: ClientContext, sourcePath: string): string | undefined {
  return dirname(sourcePath) === ctx.dirs.spool ? basename(sourcePath) : undefined;
}

/**
 * Upload `id` no longer needs its spooled source (it is done or cancelled): the file becomes
 * evictable, unless another unfinished upload of the same bytes (one spool file serves them all)
 * still reads it.
 */
export function releaseSpool(ctx: ClientContext, id: string, sourcePath: string): void {
  const spooled = spooledContentCid(ctx, sourcePath);
  if (spooled !== undefined && !ctx.uploads.othersOf(sourcePath, id)) ctx.cache.unpin(spooled);
}
