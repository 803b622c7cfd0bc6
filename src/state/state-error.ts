import { CompatError } from "../errors/index.js";

/**
 * Stable codes of the local state layer. Callers (and the CLI's exit status 4) branch on these,
 * never on message text.
 */
export type StateErrorCode =
  /** The file's compat level is above this code's level: written by a release two or more ahead. */
  | "E_STATE_FROM_FUTURE"
  /** Another process holds the migration lock (or the database write lock) past the timeout. */
  | "E_STATE_LOCKED"
  /** The schema does not match what its recorded level says: half-applied or edited by hand. */
  | "E_STATE_DIRTY"
  /** An applied migration's definition changed since it was applied. */
  | "E_STATE_CHECKSUM"
  /** The file records a migration this build does not have (and that is not from a newer level). */
  | "E_STATE_MISSING_MIGRATION"
  /** A migration sorts before one already applied but was never applied itself. */
  | "E_STATE_OUT_OF_ORDER"
  /** The file exists but is not an SQLite database. */
  | "E_STATE_NOT_A_DATABASE"
  /** SQLite reports the database image malformed, or an integrity check failed. */
  | "E_STATE_CORRUPT"
  /** The file (or its directory) cannot be written, and the operation needs to write. */
  | "E_STATE_READ_ONLY"
  /** An SQLite database, but not a status-compat state database (no bookkeeping tables). */
  | "E_STATE_UNRECOGNIZED"
  /** The file is behind this code's level and the caller did not allow migrating. */
  | "E_STATE_NEEDS_MIGRATION"
  /** The file does not exist and the caller did not allow creating it. */
  | "E_STATE_NOT_FOUND"
  /** A migration's SQL failed; its transaction was rolled back, the file is at the previous level. */
  | "E_STATE_MIGRATION_FAILED"
  /** A level, release or migration name this build does not know. */
  | "E_STATE_LEVEL_UNKNOWN"
  /** A migration definition in this build breaks the rules (a bug in the build, caught at load). */
  | "E_STATE_INVALID_MIGRATION"
  /** The operating system refused an I/O operation (disk full, permission, missing directory). */
  | "E_STATE_IO"
  /**
   * A created file was committed and given its name, but its folder's sync failed (EIO): the file
   * is there, its name may not survive a power loss. Not retried: the run is done.
   */
  | "E_STATE_SYNC_FAILED"
  /** The caller's AbortSignal fired; nothing half-done is left behind. */
  | "E_STATE_ABORTED"
  /**
   * A `down` would drop storage-journal rows the level it ends at cannot keep (unfinished uploads
   * or downloads, done uploads still renewed) and the caller did not accept that loss; nothing written.
   */
  | "E_STATE_UNFINISHED_JOBS"
  /**
   * A `down` would drop data outside the storage journal (rows of tables, values of columns the
   * level it ends at has no place for) and the caller did not accept that loss; nothing written.
   */
  | "E_STATE_DATA_LOSS"
  /**
   * Another process applied migrations to the file while a `down` waited for the lock: the down
   * was judged (its target, its refusals) on the file as it was; nothing written.
   */
  | "E_STATE_CHANGED"
  /**
   * A dry run (`migrateState` with `dryRun`) that keeps its pages in memory, up to about the
   * file's size, was not started: the file is larger than the memory it may use. Nothing written.
   */
  | "E_STATE_TOO_LARGE"
  /**
   * better-sqlite3's native part cannot load (its install script did not run, or it was built for
   * another Node): nothing was opened. Run `npm rebuild better-sqlite3` where the package is installed.
   */
  | "E_STATE_SQLITE_UNAVAILABLE";

export class StateError extends CompatError<StateErrorCode> {
  readonly layer = "state" as const;
}

// hasErrorCode narrows a state code to StateError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    state: StateError;
  }
}
