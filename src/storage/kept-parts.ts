import { lstatSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { contentCidIn } from "./cache-store.js";
import type { ClientContext } from "./client-context.js";
import { asStorageError } from "./job-errors.js";
import type { DownloadJobRow } from "./journal/download-journal.js";

/*
 * The temp files (`<cid>.<id8>.part`) of downloads into the cache that are not running but stay on
 * disk for a resume, counted under the quota (CacheStore.keepPart) until their job runs again or
 * they go. A failure that keeps its verified pieces (KEPT_PIECES_MARK), a backend closed under the
 * run, a stop, a crash: each left up to a whole file in the cache folder that no reservation covered.
 * What is at the temp file's name is looked at itself (lstat), never what a link there names: a link
 * to a large file counted that file's size, and the start evicted the cache to fit the quota around
 * it. A link is no temp file of the client's (the resumed run refuses it) and counts nothing.
 */

/** After a download's run ended in this process: its temp file, if one is left for a resume, counts from now. */
export function keepPartLeft(ctx: ClientContext, id: string): void {
  const row = ctx.downloads.get(id);
  if (row === undefined || !resumable(ctx, row)) return;
  const info = lstatSync(row.temp_path, { throwIfNoEntry: false });
  if (info?.isFile()) ctx.cache.keepPart(id, info.size);
}

/**
 * At start, before the quota is fitted: the temp files of unfinished downloads into the cache (queued
 * or running when the last session ended, failed keeping their pieces) count until their runs
 * reserve their room. Best effort: one that cannot be looked at is left uncounted, as before.
 */
export async function countKeptParts(ctx: ClientContext): Promise<void> {
  let rows: DownloadJobRow[];
  try {
    rows = ctx.downloads.inStates(["queued", "downloading", "failed"]).filter((row) => resumable(ctx, row));
  } catch (error) {
    ctx.log.warn({ code: asStorageError(error).code }, "could not count the temp files of unfinished downloads under the quota");
    return;
  }
  for (const row of rows) {
    const info = await lstat(row.temp_path).catch(() => undefined);
    if (info?.isFile()) ctx.cache.keepPart(row.id, info.size);
  }
}

function resumable(ctx: ClientContext, row: DownloadJobRow): boolean {
  return row.state !== "done" && row.state !== "cancelled" && contentCidIn(ctx.dirs.cache, row.dest_path) !== undefined;
}
