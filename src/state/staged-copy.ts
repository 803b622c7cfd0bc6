import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LockFile } from "./lock-file.js";
import { OWNER_LOCK, removeAbandonedFolders } from "./owned-folders.js";
import { realPathOf } from "./real-path.js";
import { StateError } from "./state-error.js";
import { canWrite } from "./state-file.js";

/** Bytes 18 and 19 of SQLite's header: the file format versions, 2 for a file in WAL mode. */
const FORMAT_VERSIONS_AT = 18;

function inWalMode(path: string): boolean {
  const versions = Buffer.alloc(2);
  const fd = openSync(path, "r");
  try {
    if (readSync(fd, versions, 0, 2, FORMAT_VERSIONS_AT) < 2) return false;
  } finally {
    closeSync(fd);
  }
  return versions[0] === 2 || versions[1] === 2;
}

/**
 * A WAL database SQLite cannot read where it is: even a read-only connection must create its
 * `-shm` file beside it, and a folder where nothing can be created (a read-only file system, a
 * mounted backup, a folder without write permission) makes SQLite answer "unable to open
 * database file". SQLite's way around it (`?immutable=1`) needs URI file names, which
 * better-sqlite3 leaves off. An existing `-shm` and `-wal` are enough for SQLite, so that case is
 * left to it; a `-shm` alone is not (SQLite must still create the `-wal`).
 */
export function needsStagedCopy(path: string): boolean {
  // SQLite makes its -shm and -wal beside the file a link leads to.
  const real = realPathOf(path);
  return inWalMode(path) && !(existsSync(`${real}-shm`) && existsSync(`${real}-wal`)) && !canWrite(dirname(real));
}

/** A copy's folder is `<name>.read-only-XXXXXX`, made as `<name>.setting-up-XXXXXX`. */
const COPY_FOLDER = ".read-only-";
const SETTING_UP = ".setting-up-";

export interface StagedCopy {
  /** The copy to open (read-write: SQLite may replay the copied WAL into it); never the original. */
  readonly path: string;
  /** Removes the copy's folder with everything SQLite made in it. */
  remove(): void;
}

function identity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * Copies `path` and its `-wal` (when there is one: commits not yet in the file) into a new folder
 * under `intoDir`, to be read there instead. The copy is made byte for byte, which is a consistent
 * database only if nobody writes the original meanwhile: on a read-only file system nobody can,
 * and a file that changed during the copy is refused (E_STATE_IO) rather than read half-written.
 */
export function stageCopy(path: string, intoDir: string): StagedCopy {
  let dir: string | undefined;
  let owner: LockFile | undefined;
  const remove = (): void => {
    owner?.release();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  try {
    removeAbandonedFolders(intoDir, (name) => name.includes(COPY_FOLDER));
    // Made under another name and renamed once its owner lock is held: a copy's folder never
    // appears without it, so a later run never takes a live one for abandoned.
    const setup = mkdtempSync(join(intoDir, `${basename(path)}${SETTING_UP}`));
    dir = setup;
    owner = LockFile.open(join(setup, OWNER_LOCK));
    if (!owner.tryTake()) throw new Error(`the owner lock of ${setup} is taken`);
    dir = join(intoDir, `${basename(path)}${COPY_FOLDER}${setup.slice(-6)}`);
    renameSync(setup, dir);
    const staged = join(dir, basename(path));
    const wal = `${realPathOf(path)}-wal`;
    const before = [identity(path), identity(wal)];
    copyFileSync(path, staged);
    if (before[1] !== undefined) copyFileSync(wal, `${staged}-wal`);
    const after = [identity(path), identity(wal)];
    if (before[0] !== after[0] || before[1] !== after[1]) {
      throw new StateError("E_STATE_IO", `${path} changed while it was copied to be read (an app is writing it); retry when it is idle`, { details: { path } });
    }
    return { path: staged, remove };
  } catch (error) {
    remove();
    if (error instanceof StateError) throw error;
    throw new StateError(
      "E_STATE_IO",
      `cannot read ${path}: it is in WAL mode in a folder where SQLite cannot create its -shm file (a read-only file system?), so it is read from a copy in ${intoDir}, ` +
        `which failed: ${(error as Error).message}. Free space there, or copy the database (with its -wal, if any) to a writable folder and use that`,
      { cause: error, details: { path, copyDir: intoDir } },
    );
  }
}
