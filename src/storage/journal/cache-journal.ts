import type Database from "better-sqlite3";

export interface CacheEntryRow {
  cid: string;
  path: string;
  size: number;
  last_access: number;
  pinned: number;
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
  private readonly allRows: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO cache_entries (cid, path, size, last_access, pinned) VALUES (@cid, @path, @size, @last_access, @pinned)
       ON CONFLICT (cid) DO UPDATE SET path = excluded.path, size = excluded.size, last_access = excluded.last_access, pinned = max(pinned, excluded.pinned)`,
    );
    this.select = db.prepare(`SELECT * FROM cache_entries WHERE cid = ?`);
    this.touchRow = db.prepare(`UPDATE cache_entries SET last_access = ? WHERE cid = ?`);
    this.setPinned = db.prepare(`UPDATE cache_entries SET pinned = ? WHERE cid = ?`);
    this.remove = db.prepare(`DELETE FROM cache_entries WHERE cid = ?`);
    this.used = db.prepare(`SELECT coalesce(sum(size), 0) AS used FROM cache_entries`);
    this.unpinned = db.prepare(`SELECT coalesce(sum(size), 0) FROM cache_entries WHERE pinned = 0`).pluck();
    this.lru = db.prepare(`SELECT * FROM cache_entries WHERE pinned = 0 ORDER BY last_access, cid LIMIT 64`);
    this.allRows = db.prepare(`SELECT * FROM cache_entries`);
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

  /** Every entry. */
  entries(): CacheEntryRow[] {
    return this.allRows.all() as CacheEntryRow[];
  }

  /** Least recently used entries that may be evicted (never pinned ones), oldest first. */
  evictable(): CacheEntryRow[] {
    return this.lru.all() as CacheEntryRow[];
  }
}
