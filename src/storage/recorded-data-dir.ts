import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import type Database from "better-sqlite3";
import { asStorageError } from "./job-errors.js";

/**
 * The data directory `dataDir` spelled as the journal's entries already spell it. One folder may
 * be reached by two spellings (iOS hands out /var/… and /private/var/…, one a link to the other),
 * and the journal keeps whole paths that are compared as strings: a session on the other spelling
 * took its own spooled files for strays and deleted them, pending uploads' sources included.
 * Rewriting the rows is no way out (the adjacent release reads them with its own spelling), so a
 * session takes the recorded spelling when it names the same folder; a fresh journal, or one
 * whose entries are elsewhere, keeps `dataDir`.
 *
 * A recorded folder that no longer exists while its files are in `dataDir` was moved with them:
 * iOS gives an app a new container path when it is updated. Its journal paths (cache entries,
 * upload sources, download destinations and temp files under it) are moved to `dataDir`, in one
 * transaction; left, every pending upload of shared bytes failed E_SOURCE_MISSING after the
 * update. The rows stay valid paths, so the adjacent release reads them too.
 */
export function dataDirAsRecorded(db: Database.Database, dataDir: string): string {
  const real = realPath(dataDir);
  if (real === undefined) return dataDir;
  const looked = new Set<string>();
  let moved: string | undefined;
  // Cache entries, and the temp files of unfinished downloads into the cache (a journal may hold nothing else yet).
  const recorded = db.prepare(`SELECT path FROM cache_entries UNION ALL SELECT temp_path FROM download_jobs WHERE state NOT IN ('done', 'cancelled')`);
  for (const path of recorded.pluck().iterate() as IterableIterator<string>) {
    const folder = dirname(path);
    if (basename(folder) !== "cache" && basename(folder) !== "spool") continue;
    const home = dirname(folder);
    if (home === dataDir) return dataDir;
    if (looked.has(home)) continue;
    looked.add(home);
    const realHome = realPath(home);
    if (realHome === real) return home;
    if (realHome === undefined && moved === undefined && existsSync(join(dataDir, basename(folder), basename(path)))) moved = home;
  }
  if (moved !== undefined) {
    try {
      movePaths(db, moved, dataDir);
    } catch (error) {
      // A SQLite failure leaves as the typed E_LOCAL_IO.
      throw asStorageError(error);
    }
  }
  return dataDir;
}

/** Every journal path under `from` made the same path under `to`. */
function movePaths(db: Database.Database, from: string, to: string): void {
  const columns = [
    ["cache_entries", "path"],
    ["upload_jobs", "source_path"],
    ["download_jobs", "dest_path"],
    ["download_jobs", "temp_path"],
  ] as const;
  db.transaction(() => {
    for (const [table, column] of columns) {
      // substr and length count characters on both sides; the prefix ends with the separator, so /a/data never matches /a/data2.
      db.prepare(`UPDATE ${table} SET ${column} = :to || substr(${column}, length(:from) + 1) WHERE substr(${column}, 1, length(:from)) = :from`).run({
        from: from + sep,
        to: to + sep,
      });
    }
  })();
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
