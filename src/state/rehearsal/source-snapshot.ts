import { writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import { assessState, type StateAssessment } from "../assess-state.js";
import type { MigrationCatalog } from "../migration-catalog.js";
import { StateError } from "../state-error.js";
import { toStateError } from "../sqlite-errors.js";
import { openWaiting, stepWaiting, type HeldWait } from "../open-waiting.js";
import { backupCopy } from "./backup-copy.js";
import { stopPoint } from "../stop-point.js";
import { rollbackQuietly } from "../write-transaction.js";
import { compareTable, rowCounts, stateTables, type TableComparison } from "./table-data.js";

const WORK = "work";

/**
 * The original file as it was when the rehearsal started, held as one read snapshot for the
 * whole rehearsal: the work copy is made from it, and after `down` the copy is compared with it.
 * That is the "before" state without a second copy (half the disk space, one 500 MiB write less),
 * and it stays one instant even if a client keeps writing the original (WAL keeps a reader's
 * snapshot; in rollback-journal mode, writers wait until `close`).
 *
 * The work copy is attached before the snapshot starts (SQLite refuses ATTACH inside a
 * transaction) and first read only by `compare`, so the connection sees the copy as it is then.
 * The original is opened read-write but only read (a read-only connection would leave -wal/-shm
 * files beside it); a file without write permission is opened read-only.
 */
export class SourceSnapshot {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly workPath: string,
  ) {}

  /**
   * Opens `path`, creates the empty `workPath` and attaches it, and starts the snapshot. `name`
   * is the file the messages speak of (the original, when `path` is a copy of it); `wait`, how long
   * to wait for a file another process holds (none by default).
   */
  static async open(path: string, workPath: string, writable: boolean, name = path, wait: HeldWait = { timeoutMs: 0 }): Promise<SourceSnapshot> {
    // A file another process holds exclusively (a tool's BEGIN EXCLUSIVE on a rollback-journal
    // file) is waited for by polling, as the real run waits for it: SQLite's busy wait held the
    // event loop 5 s, then refused E_STATE_LOCKED whatever the rehearsal's lockTimeoutMs said.
    const db = await openWaiting(path, { readOnly: !writable, create: false, busyTimeoutMs: 5_000 }, wait);
    try {
      // Created here, not by ATTACH: a read-only connection cannot create files.
      try {
        writeFileSync(workPath, "", { flag: "wx" });
      } catch (error) {
        throw new StateError("E_STATE_IO", `cannot create the work copy in ${dirname(workPath)} (${(error as Error).message}); give a work folder where files can be created. ${name} was not written`, {
          cause: error,
          details: { path: name, workDir: dirname(workPath) },
        });
      }
      db.prepare(`ATTACH DATABASE ? AS ${WORK}`).run(workPath);
    } catch (error) {
      db.close();
      throw toStateError(error, name, "start reading it");
    }
    // The snapshot's first read waits as the open does: a process that took the file in between (a
    // tool's BEGIN EXCLUSIVE on a rollback-journal file) froze the rehearsal on the busy timeout.
    const begin = (): void => {
      db.exec("BEGIN");
      try {
        db.prepare("SELECT count(*) FROM main.sqlite_schema").get();
      } catch (error) {
        rollbackQuietly(db);
        throw toStateError(error, name, "start reading it");
      }
    };
    try {
      await stepWaiting(db, name, `start reading ${name}`, begin, wait);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SourceSnapshot(db, name, workPath);
  }

  /** The history and schema checks, on the snapshot. */
  assess(catalog: MigrationCatalog): StateAssessment {
    try {
      return assessState(this.db, catalog, this.path);
    } catch (error) {
      throw toStateError(error, this.path, "read the state");
    }
  }

  rowCounts(): Map<string, number> {
    try {
      return rowCounts(this.db, "main");
    } catch (error) {
      throw toStateError(error, this.path, "count its rows");
    }
  }

  /** Writes the snapshot into the work file with SQLite's backup API; `signal` stops it between steps. */
  /** The size of the database the snapshot reads (its pages, the -wal's included): what the work copy takes. */
  bytes(): number {
    return (this.db.pragma("page_count", { simple: true }) as number) * (this.db.pragma("page_size", { simple: true }) as number);
  }

  copyToWork(signal?: AbortSignal): Promise<{ pages: number }> {
    return backupCopy(this.db, this.path, this.workPath, signal);
  }

  /** Every table of the snapshot against the work copy as it is now; `signal` stops it between tables. */
  async compareWithWork(signal?: AbortSignal): Promise<TableComparison[]> {
    const schemas = { before: "main", after: WORK };
    const out: TableComparison[] = [];
    try {
      const afterTables = new Set(stateTables(this.db, WORK));
      for (const table of stateTables(this.db, "main")) {
        await stopPoint(signal, "the comparison with the original", this.workPath);
        out.push(compareTable(this.db, schemas, table, afterTables));
      }
    } catch (error) {
      throw toStateError(error, this.workPath, "compare the rolled-back copy with the original");
    }
    return out;
  }

  /**
   * Ends the snapshot and closes the connection. It only read, so there is nothing to keep: closing
   * releases the snapshot and the attached copy as well. Called in a `finally`, it must not throw
   * over the error in flight: on a damaged original, ending the read (or DETACH, which reads the
   * schema) met the damage again, and SQLite's own error replaced the StateError that named it.
   */
  close(): void {
    try {
      if (this.db.inTransaction) this.db.exec("COMMIT");
      this.db.exec(`DETACH DATABASE ${WORK}`);
    } catch {
      // Released by the close below.
    } finally {
      this.db.close();
    }
  }
}
