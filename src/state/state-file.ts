import { accessSync, closeSync, constants, existsSync, lstatSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { realPathOf } from "./real-path.js";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";
import { requireSqliteModule } from "./sqlite-module.js";

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
/** The smallest SQLite database is one 512-byte page; anything shorter but not empty is not one. */
const MIN_DATABASE_BYTES = 512;

export interface FileProbe {
  readonly exists: boolean;
  readonly size: number;
  /** The file (when it exists) may be written: some write permission bit set and access allowed. */
  readonly writable: boolean;
  /** The folder may get new files (the WAL, the lock sidecar, a new database). */
  readonly folderWritable: boolean;
}

/** The process may write `path` (a file), or create files in it (a folder). */
export function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The data folder given for its database (or a symbolic link to it: the same mistake, answered the
 * same way). Said as such, naming the folder and the file to give: "not a regular file (a folder?)"
 * left the user to guess, and for a link did not say which folder it leads to.
 */
function folderGiven(path: string): StateError {
  const folder = realPathOf(path);
  let linked = false;
  try {
    linked = lstatSync(path).isSymbolicLink();
  } catch {
    // Gone meanwhile: said as the folder it was.
  }
  const what = linked ? `${path} is a symbolic link to the folder ${folder}` : `${path} is a folder`;
  return new StateError("E_STATE_NOT_A_DATABASE", `${what}, not a database file; give the path of the state database file itself, e.g. ${join(folder, "state.sqlite")}`, {
    details: { path, folder },
  });
}

/**
 * Looks at a path before SQLite touches it: a non-empty file that does not start with SQLite's
 * header is refused here, so nothing (not even a WAL file) is ever created beside it.
 *
 * A file with no write permission bit is treated as read-only even for root, who could write it
 * anyway: someone made it read-only on purpose.
 */
export function probeStateFile(path: string): FileProbe {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { exists: false, size: 0, writable: false, folderWritable: canWrite(dirname(path)) };
    }
    throw new StateError("E_STATE_IO", `cannot read ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
  }
  if (stat.isDirectory()) throw folderGiven(path);
  if (!stat.isFile()) {
    throw new StateError("E_STATE_NOT_A_DATABASE", `${path} is not a regular file (a folder?); give the path of the state database file itself`, { details: { path } });
  }
  if (stat.size > 0) {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    let got = 0;
    try {
      const fd = openSync(path, "r");
      try {
        got = readSync(fd, head, 0, head.length, 0);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new StateError("E_STATE_IO", `cannot read ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
    }
    if (stat.size < MIN_DATABASE_BYTES || got < head.length || !head.equals(SQLITE_MAGIC)) {
      throw new StateError(
        "E_STATE_NOT_A_DATABASE",
        `${path} is not an SQLite database (its first bytes are not the SQLite header); nothing was written. Check the path.`,
        { details: { path, size: stat.size } },
      );
    }
  }
  const modeWritable = (stat.mode & 0o222) !== 0;
  // SQLite makes the WAL and its sidecars beside the file a link leads to.
  return { exists: true, size: stat.size, writable: modeWritable && canWrite(path), folderWritable: canWrite(dirname(realPathOf(path))) };
}

export interface ConnectionOptions {
  readOnly: boolean;
  /** Create the file when missing. */
  create: boolean;
  busyTimeoutMs: number;
}

/**
 * A better-sqlite3 connection with foreign keys on, secure delete on and a busy timeout. Opening
 * writes nothing: journal mode is switched to WAL only by `enableWal`, once the file has been judged
 * usable.
 */
export function openConnection(path: string, options: ConnectionOptions): Database.Database {
  requireSqliteModule();
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: options.readOnly, fileMustExist: !options.create, timeout: options.busyTimeoutMs });
  } catch (error) {
    throw toStateError(error, path, "open");
  }
  try {
    db.pragma("foreign_keys = ON");
    // The journal holds content keys (enc_key, file_reference). SQLite's default leaves a deleted
    // row's bytes in the page's free space and a freed page (a large reference's overflow) as it
    // was, so a copy of the file (a backup, a bug report's attachment) gave away the keys of jobs
    // forgotten long ago. ON, not FAST: FAST leaves freed overflow pages unwritten. A setting of
    // this connection, nothing in the file: older releases open the file as before.
    db.pragma("secure_delete = ON");
    // Refuses a non-database that slipped past the header probe (e.g. replaced after it).
    db.prepare("SELECT count(*) FROM sqlite_schema").get();
  } catch (error) {
    db.close();
    throw toStateError(error, path, "open");
  }
  return db;
}

/** WAL for concurrent readers and crash-safe commits; NORMAL sync is durable enough in WAL. */
export function enableWal(db: Database.Database, path: string): void {
  try {
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new StateError("E_STATE_IO", `${path}: could not switch to WAL (journal mode stays ${String(mode)})`, { details: { path } });
    db.pragma("synchronous = NORMAL");
  } catch (error) {
    throw toStateError(error, path, "switch to WAL");
  }
}

/**
 * Checkpoints the whole -wal into the database and truncates it to nothing, so frames holding rows
 * deleted since (a forgotten job's key, written there when the job was journaled) leave the disk's
 * copy of the -wal: SQLite reuses the -wal from its start and never shortens it on its own, so such
 * a frame could stay in it indefinitely. Best effort and without waiting: another connection
 * reading or writing the file (busy) leaves it for the next call; the busy timeout is set to 0
 * meanwhile, as a checkpoint waits for readers with the event loop held. Returns whether the -wal
 * is empty now (also true for a database not in WAL mode).
 */
export function truncateWal(db: Database.Database): boolean {
  if (db.inTransaction) return false;
  return withoutBusyWait(db, () => {
    const [row] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
    return row?.busy === 0;
  });
}

/**
 * Runs `step` on `db` with its busy timeout at 0, then puts the timeout back: a lock another
 * connection holds fails the step at once (SQLITE_BUSY) instead of waiting out the timeout inside
 * the call, with the event loop held. For steps that are best effort and can be done later.
 */
export function withoutBusyWait<T>(db: Database.Database, step: () => T): T {
  const busyTimeout = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma("busy_timeout = 0");
  try {
    return step();
  } finally {
    db.pragma(`busy_timeout = ${Number(busyTimeout)}`);
  }
}

/**
 * Refuses a file to create in a folder that does not exist, E_STATE_IO naming the folder (the error
 * table's "missing folder"): migrateState and acquireMigrationLock said E_STATE_READ_ONLY, sending
 * the caller to permissions for a typo or a folder not made yet.
 */
export function refuseMissingFolder(path: string, what = path): void {
  const folder = dirname(path);
  if (!existsSync(folder)) throw new StateError("E_STATE_IO", `cannot create ${what}: folder ${folder} does not exist`, { details: { path } });
}
