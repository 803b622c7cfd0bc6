import Database from "better-sqlite3";
import { isBusy } from "./busy-retry.js";
import { requireSqliteModule } from "./sqlite-module.js";

/**
 * An exclusive lock held as an OS file lock: an exclusive transaction on a small sidecar SQLite
 * file. The OS drops it the moment its holder dies (SIGKILL included), so there is no stale lock,
 * no pid file and no clock guess; SQLite tracks it per file within a process too, so two holders
 * in one process exclude each other. Nothing is ever written to the file, and it is never deleted
 * (deleting a lock file races its takers). The migration lock, the storage client's lock and the
 * CLI's home lock are each one of these, with their own waiting and their own errors.
 */
export class LockFile {
  private held = false;
  private journalSet = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens the file, creating it when missing; the OS or SQLite error is thrown as it is when that
   * fails, a native module that cannot load as E_STATE_SQLITE_UNAVAILABLE.
   */
  static open(path: string): LockFile {
    requireSqliteModule();
    return new LockFile(new Database(path, { timeout: 0 }), path);
  }

  /** One attempt, no waiting: true once held, false while another holder has it; any other failure is thrown. */
  tryTake(): boolean {
    try {
      // A memory journal keeps a -journal file from appearing. Setting it reads the file, so it can be busy too.
      if (!this.journalSet) this.db.pragma("journal_mode = MEMORY");
      this.journalSet = true;
      this.db.exec("BEGIN EXCLUSIVE");
      this.held = true;
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    }
  }

  /** Lets go (when held) and closes the file; idempotent. */
  release(): void {
    if (!this.db.open) return;
    try {
      if (this.held) this.db.exec("ROLLBACK");
    } finally {
      this.held = false;
      this.db.close();
    }
  }
}
