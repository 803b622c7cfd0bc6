import type Database from "better-sqlite3";
import { toStateError } from "./sqlite-errors.js";

/**
 * A dry run runs the migrations on the real file, in a transaction it rolls back. SQLite writes a
 * transaction's changed pages out before its commit once they outgrow the page cache (16,000 KiB
 * as better-sqlite3 builds it: a large user's upgrade): into the -wal of a WAL file, where a -wal
 * holding an app's last commits grew by every page the run rewrote; into the file itself for a
 * rollback-journal file, its old pages kept in a -journal to put them back, so a kill in between
 * left a rewritten file and a hot journal. With spilling off and, for a rollback-journal file,
 * the journal in memory (a per-connection mode: only WAL is recorded in the file), the run's
 * pages stay in this process until the rollback drops them, and nothing beside the file is made
 * or written. The cost is memory: about the size of what the run rewrites.
 */
export function keepDryRunInMemory(db: Database.Database, path: string): void {
  try {
    db.pragma("cache_spill = OFF");
    const mode = String(db.pragma("journal_mode", { simple: true })).toLowerCase();
    if (mode !== "wal" && mode !== "memory") db.pragma("journal_mode = MEMORY");
  } catch (error) {
    throw toStateError(error, path, "prepare the dry run");
  }
}
