import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type Database from "better-sqlite3";
import { syncDirectory } from "../../fs/index.js";

/**
 * Makes the state's commits so far durable without holding the event loop: the connection commits
 * with synchronous = NORMAL (WAL), which a SIGKILL keeps and a power cut may drop, and a commit with
 * synchronous = FULL would fsync the WAL on the main thread (4-6 ms per call measured here, in the
 * middle of the upload pipeline). A commit in WAL mode is its frames written to the `-wal` file,
 * valid at recovery once they are on the disk; so the file is fdatasync'ed on libuv's pool instead,
 * which covers every commit written before the sync began. One sync runs at a time, and the
 * commits made meanwhile share the next (a group commit). A checkpoint that moved the frames into
 * the database before the sync had synced the WAL and then the database itself (SQLite does so at
 * any synchronous level), so they are durable either way. The folder is synced once (the file's
 * entry could be lost with it while SQLite has not synced it yet), as SQLite does when it syncs a new one.
 *
 * Where that cannot be done (a connection not in WAL mode, an in-memory one, a `-wal` not where the
 * connection's name says), `commitDurably` runs the commit with synchronous = FULL instead, and its
 * sync is the commit's own.
 */
export class WalDurability {
  private mode: "wal-file" | "full-commit" | undefined;
  private readonly walPath: string;
  private folderSynced = false;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly db: Database.Database) {
    // Resolved now, as SQLite resolved the name when the state was opened: an application that
    // opened it by a relative name may change its working folder later.
    this.walPath = resolve(`${db.name}-wal`);
  }

  /** Runs `commit` (one statement or transaction) and resolves once it, and every commit before it, is on the disk. */
  commitDurably(commit: () => void): Promise<void> {
    if (this.chosenMode() === "full-commit") {
      const previous = Number(this.db.pragma("synchronous", { simple: true }));
      const raise = previous < SYNCHRONOUS_FULL;
      if (raise) this.db.pragma(`synchronous = ${SYNCHRONOUS_FULL}`);
      try {
        commit();
      } finally {
        // The connection may be the application's handle: its setting is put back.
        if (raise) this.db.pragma(`synchronous = ${previous}`);
      }
      return Promise.resolve();
    }
    commit();
    return this.sync();
  }

  private chosenMode(): "wal-file" | "full-commit" {
    if (this.mode !== undefined) return this.mode;
    const wal = !this.db.memory && String(this.db.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
    let found = false;
    try {
      found = wal && statSync(this.walPath).isFile();
    } catch {
      found = false;
    }
    this.mode = found ? "wal-file" : "full-commit";
    return this.mode;
  }

  /** A sync that began before the caller's commit does not cover it: the caller waits for the one after. */
  private sync(): Promise<void> {
    if (this.running === undefined) return this.start();
    this.next ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  private start(): Promise<void> {
    this.next = undefined;
    const run = this.syncWal().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async syncWal(): Promise<void> {
    // Opened for writing (never written): Windows flushes only a handle that may write.
    const handle = await open(this.walPath, "r+");
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    // SQLite deletes a -wal only when the last connection closes, and this one is open: one file,
    // whose entry needs syncing once.
    if (!this.folderSynced) {
      await syncDirectory(dirname(this.walPath));
      this.folderSynced = true;
    }
  }
}

/** SQLite's synchronous = FULL: in WAL mode the WAL is synced at each commit. */
const SYNCHRONOUS_FULL = 2;
