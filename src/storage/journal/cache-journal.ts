import type Database from "better-sqlite3";

export interface CacheEntryRow {
  cid: string;
  path: string;
  size: number;
  last_access: number;
  pinned: number;
}

/** An entry eviction may take, with its place in the LRU order (to ask for the entries after it). */
export interface EvictableRow extends CacheEntryRow {
  lru_rowid: number;
}

/** The cache_entries table: files this client keeps (downloads, spooled uploads), LRU order. */
export class CacheJournal {
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly touchRow: Database.Statement;
  private readonly setPinned: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly used: Database.Statement;
  private readonly unpinned: Database.Statement;
  private readonly lru: Database.Statement;
  private readonly lruAfter: Database.Statement;
  private readonly allRows: Database.Statement;
  private readonly stalePins: Database.Statement;

  constructor(db: Database.Database) {
    // A use (put, touch) writes the row anew (REPLACE deletes the old one), so its rowid is above
    // every other's: rowid then orders uses within one millisecond, which last_access cannot, and
    // eviction breaks ties by it. An update in place kept the first insert's rowid, and ties went
    // by CID, not by use. The columns are those every release writes; an adjacent release that
    // updates in place only leaves its own uses of one millisecond in insertion order.
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO cache_entries (cid, path, size, last_access, pinned)
       VALUES (@cid, @path, @size, @last_access, max(@pinned, coalesce((SELECT pinned FROM cache_entries WHERE cid = @cid), 0)))`,
    );
    this.select = db.prepare(`SELECT * FROM cache_entries WHERE cid = ?`);
    this.touchRow = db.prepare(`INSERT OR REPLACE INTO cache_entries (cid, path, size, last_access, pinned) SELECT cid, path, size, ?, pinned FROM cache_entries WHERE cid = ?`);
    this.setPinned = db.prepare(`UPDATE cache_entries SET pinned = ? WHERE cid = ?`);
    this.remove = db.prepare(`DELETE FROM cache_entries WHERE cid = ?`);
    this.used = db.prepare(`SELECT coalesce(sum(size), 0) AS used FROM cache_entries`);
    this.unpinned = db.prepare(`SELECT coalesce(sum(size), 0) FROM cache_entries WHERE pinned = 0`).pluck();
    this.lru = db.prepare(`SELECT rowid AS lru_rowid, * FROM cache_entries WHERE pinned = 0 ORDER BY last_access, rowid LIMIT 64`);
    this.lruAfter = db.prepare(
      `SELECT rowid AS lru_rowid, * FROM cache_entries WHERE pinned = 0 AND (last_access > @at OR (last_access = @at AND rowid > @rowid)) ORDER BY last_access, rowid LIMIT 64`,
    );
    this.allRows = db.prepare(`SELECT * FROM cache_entries`);
    // A pin is an upload's that reads the file and may still run (queued, uploading, or failed for a retry).
    this.stalePins = db.prepare(
      `UPDATE cache_entries SET pinned = 0 WHERE pinned <> 0 AND path NOT IN (SELECT source_path FROM upload_jobs WHERE state IN ('queued', 'uploading', 'failed'))`,
    );
  }

  put(entry: CacheEntryRow): void {
    this.upsert.run(entry);
  }

  get(cid: string): CacheEntryRow | undefined {
    return this.select.get(cid) as CacheEntryRow | undefined;
  }

  touch(cid: string, now: number): void {
    this.touchRow.run(now, cid);
  }

  pin(cid: string, pinned: boolean): void {
    this.setPinned.run(pinned ? 1 : 0, cid);
  }

  delete(cid: string): void {
    this.remove.run(cid);
  }

  usedBytes(): number {
    return (this.used.get() as { used: number }).used;
  }

  /** Bytes that eviction could free (every entry not pinned). */
  evictableBytes(): number {
    return this.unpinned.get() as number;
  }

  /** Gives back the pins no unfinished or failed upload reads any more; how many. */
  dropStalePins(): number {
    return this.stalePins.run().changes;
  }

  /** Every entry. */
  entries(): CacheEntryRow[] {
    return this.allRows.all() as CacheEntryRow[];
  }

  /**
   * Least recently used entries that may be evicted (never pinned ones), oldest first, a page of up
   * to 64; `after` the last of the page before, for the next one (empty past the last).
   */
  evictable(after?: EvictableRow): EvictableRow[] {
    if (after === undefined) return this.lru.all() as EvictableRow[];
    return this.lruAfter.all({ at: after.last_access, rowid: after.lru_rowid }) as EvictableRow[];
  }
}
