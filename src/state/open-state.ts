import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import type { Logger } from "../obs/index.js";
import { migrationLogger } from "./migration-log.js";
import { resolveCodeLevel } from "./code-level.js";
import { needsStagedCopy } from "./staged-copy.js";
import { shippedCatalog, type MigrationCatalog } from "./migration-catalog.js";
import { runExclusiveMigration } from "./exclusive-migration.js";
import { lockTimeoutOf } from "./migration-lock.js";
import type { MigrationRun } from "./migration-step.js";
import type { Preflight } from "./preflight-check.js";
import { assertUsableBy, readAssessment } from "./read-assessment.js";
import { readOnlyFor } from "./read-mode.js";
import { StateError } from "./state-error.js";
import { enableWal, probeStateFile, refuseMissingFolder } from "./state-file.js";
import { openWaiting, stepWaiting } from "./open-waiting.js";
import { createByDraft, removeAbandonedDrafts } from "./draft-file.js";
import { assertKnownOptions, describedValue, keysOf } from "../errors/index.js";

export interface OpenStateOptions {
  /** The state database file; created (at the requested level) when missing unless `readOnly`. */
  path: string;
  /** State level this code runs at. Default: the newest level of this build. */
  level?: number;
  /** Or the release this code is (e.g. "0.2.0"), resolved through the release table. */
  release?: string;
  /** Apply pending migrations up to the code's level (default true). When false, a file behind is refused. */
  migrate?: boolean;
  /** Open without writing anything; a file behind the code's level is refused. */
  readOnly?: boolean;
  /**
   * How long to wait for another process's migration, or for a file another process holds
   * exclusively to open (default 15 s); waited by polling, the event loop free and the signal heard.
   */
  lockTimeoutMs?: number;
  /** SQLite busy timeout for this connection (default 5 s). */
  busyTimeoutMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Check of the file before a migration run may commit (default `quick_check`: quick_check and
   * foreign_key_check on a worker thread alongside the migrations; a corrupt file is refused and
   * nothing is written). `none` skips it.
   */
  preflight?: Preflight;
  /** The migrations to use; defaults to the ones this build ships. For tests and tools. */
  catalog?: MigrationCatalog;
  /**
   * The caller holds the file's storage-client lock (`clientLockPathOf`): the storage client
   * opening its own state. Otherwise a migration refuses (E_STATE_LOCKED) while a client holds it.
   */
  holdsClientLock?: boolean;
}

/** The keys OpenStateOptions has (the compiler holds the two together); openState refuses any other. */
const OPEN_STATE_OPTIONS = keysOf<OpenStateOptions>()({
  path: true,
  level: true,
  release: true,
  migrate: true,
  readOnly: true,
  lockTimeoutMs: true,
  busyTimeoutMs: true,
  logger: true,
  signal: true,
  preflight: true,
  catalog: true,
  holdsClientLock: true,
});

/** An open state database: the better-sqlite3 handle plus where the file stands. */
export interface StateHandle {
  readonly db: Database.Database;
  readonly path: string;
  /** The file's level (may be above `codeLevel` when a newer release upgraded it within the window). */
  readonly level: number;
  /** Oldest level that can use the file. */
  readonly compatLevel: number;
  /** The level this code runs at. */
  readonly codeLevel: number;
  /** Migrations this call ran (empty when the file was already at or above the code's level). */
  readonly applied: readonly MigrationRun[];
  readonly readOnly: boolean;
  close(): void;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** The longest busy timeout SQLite takes (a C int of milliseconds, about 24.8 days). */
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A caller's busy timeout as SQLite takes it: better-sqlite3 accepts only a whole number up to
 * 2^31 - 1 and threw its own TypeError, naming a "timeout" option the caller never passed, for
 * Infinity (wait as long as needed, as lockTimeoutMs takes it) or a computed 2500.5. Those are
 * now the longest wait and the next whole millisecond; NaN or a negative is a RangeError naming it.
 */
export function busyTimeoutOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_BUSY_TIMEOUT_MS;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`state option busyTimeoutMs must be a number of milliseconds, 0 or more (Infinity: as long as SQLite can wait), not ${describedValue(value)}`);
  }
  return Math.min(Math.ceil(value), MAX_BUSY_TIMEOUT_MS);
}

/**
 * Opens the client's state database for code at one level. Checks everything before writing
 * anything: a non-database, a corrupt, dirty or edited file, or one from two releases ahead is
 * refused with its own StateError and left untouched. A file behind is migrated under the
 * migration lock, every pending migration in one transaction that commits only once the preflight
 * (run alongside on a worker thread) has passed; a file ahead but within its compat level is used
 * as is (release N on a file N+1 upgraded).
 */
export async function openState(options: OpenStateOptions): Promise<StateHandle> {
  assertKnownOptions("openState", options, OPEN_STATE_OPTIONS, false);
  const { path } = options;
  // A missing file is built as a draft and named once committed (draft-file.ts): a refusal or a
  // failure on a first start (a migration failing, a signal, a full disk) leaves no empty file
  // behind for the next open to migrate as if it were the app's. Read-only or not migrating, the
  // open refuses a missing file below without creating anything.
  // A creator killed outright (SIGKILL) left its draft: removed unless its process lives.
  if (!(options.readOnly ?? false)) removeAbandonedDrafts(path);
  if ((options.readOnly ?? false) || !(options.migrate ?? true) || existsSync(path)) return openInPlace(options);
  const { result: applied, published } = await createByDraft(path, async (draft) => {
    const made = await openInPlace({ ...options, path: draft });
    const { level } = made;
    const runs = made.applied;
    made.close();
    return { result: runs, committedLevel: runs.length > 0 ? level : undefined };
  });
  const handle = await openInPlace(options);
  // Created by this call: what it applied is what the draft's run applied.
  return published ? { ...handle, applied } : handle;
}

/** openState on the file where it is: a missing one is created in place (only ever a draft's name). */
async function openInPlace(options: OpenStateOptions): Promise<StateHandle> {
  const { path } = options;
  const catalog = options.catalog ?? shippedCatalog();
  const codeLevel = resolveCodeLevel(catalog, options.level, options.release);
  const readOnly = options.readOnly ?? false;
  const migrate = options.migrate ?? true;
  const logger = migrationLogger(options.logger);
  const lockTimeoutMs = lockTimeoutOf(options.lockTimeoutMs);
  const busyTimeoutMs = busyTimeoutOf(options.busyTimeoutMs);

  const probe = probeStateFile(path);
  if (!probe.exists && readOnly) {
    throw new StateError("E_STATE_NOT_FOUND", `${path} does not exist (opened read-only, so it was not created)`, { details: { path } });
  }
  if (!probe.exists && !migrate) {
    throw new StateError(
      "E_STATE_NOT_FOUND",
      `${path} does not exist; migrating is not allowed, so it was not created. Open it with migrate enabled, or run \`status-compat migrate up --db ${path}\``,
      { details: { path } },
    );
  }
  if (!probe.exists) refuseMissingFolder(path);
  if (!probe.exists && !probe.folderWritable) {
    throw new StateError("E_STATE_READ_ONLY", `cannot create ${path}: its folder is not writable`, { details: { path } });
  }
  if (probe.exists && needsStagedCopy(path)) {
    // Even a read-only connection would fail ("unable to open database file"); the tools read a copy.
    throw new StateError(
      "E_STATE_READ_ONLY",
      `${path} is in WAL mode in a folder where nothing can be created (a read-only file system?), and SQLite must create ${path}-shm and ${path}-wal beside it (whichever is missing) even to read it. ` +
        "Make the folder writable, or copy the database (with its -wal, if any) to a writable folder and open the copy. Nothing was written.",
      { details: { path } },
    );
  }
  if (probe.exists && !readOnly && !probe.writable) {
    throw new StateError(
      "E_STATE_READ_ONLY",
      `${path} is read-only; the client needs to write its state. Fix its permissions, or open it with readOnly. Nothing was written.`,
      { details: { path } },
    );
  }

  // A refusal must leave a file whose -wal holds commits (an app killed before its checkpoint) as
  // it was, yet this connection, the last to close, would checkpoint them into the file and delete
  // the -wal. A read-only connection opened first and closed last keeps both (see read-mode.ts);
  // best effort: the open itself reports whatever stops it.
  // Opening reads the file: one another process holds exclusively (a rollback-journal file under
  // BEGIN EXCLUSIVE, a process in locking_mode EXCLUSIVE) is waited for by polling, up to
  // lockTimeoutMs and the signal, as migrateState waits; SQLite's own wait (busyTimeoutMs) held the
  // event loop, timers and the signal unheard, then refused whatever lockTimeoutMs said.
  const started = performance.now();
  const wait = () => ({ timeoutMs: Math.max(0, lockTimeoutMs - (performance.now() - started)), signal: options.signal, signalStopsOnlyTheWait: true });
  let keeper: Database.Database | undefined;
  if (probe.exists && !readOnly && readOnlyFor(path, probe)) {
    try {
      keeper = await openWaiting(path, { readOnly: true, create: false, busyTimeoutMs }, wait());
    } catch (error) {
      if (error instanceof StateError && error.code === "E_STATE_ABORTED") throw error;
      keeper = undefined;
    }
  }
  let db: Database.Database;
  try {
    db = await openWaiting(path, { readOnly, create: !readOnly, busyTimeoutMs }, wait());
  } catch (error) {
    keeper?.close();
    throw error;
  }
  try {
    // The reads and the WAL switch after the open wait for a held file the same way: on a
    // rollback-journal file another process reads or writes, the switch waited the busy timeout frozen.
    let assessment = await stepWaiting(db, path, `read the state of ${path}`, () => readAssessment(db, catalog, path), wait());
    assertUsableBy(assessment, codeLevel, path);
    let applied: MigrationRun[] = [];
    if (assessment.level < codeLevel) {
      if (!migrate || readOnly) {
        throw new StateError(
          "E_STATE_NEEDS_MIGRATION",
          `${path} is at state level ${assessment.level}, this code needs ${codeLevel}; open it with migrate enabled or run \`status-compat migrate up --db ${path}\``,
          { details: { path, level: assessment.level, codeLevel } },
        );
      }
      const through = catalog.lastOfLevel(codeLevel);
      if (through === undefined) throw new StateError("E_STATE_LEVEL_UNKNOWN", `no migration reaches level ${codeLevel}`);
      const result = await runExclusiveMigration(db, {
        path,
        catalog,
        preflight: options.preflight ?? "quick_check",
        lockTimeoutMs,
        logger,
        signal: options.signal,
        holdsClientLock: options.holdsClientLock,
        // A draft: no client opens it.
        createsFile: !probe.exists,
        // Another process may have migrated while this one waited.
        plan: (current) => {
          assertUsableBy(current, codeLevel, path);
          return current.level < codeLevel ? { direction: "up", through } : undefined;
        },
      });
      applied = [...result.runs];
      assessment = result.assessment;
    }
    // After a commit the signal is too late: the file is migrated, so the switch is waited for in full.
    if (!readOnly) await stepWaiting(db, path, `switch ${path} to WAL`, () => enableWal(db, path), applied.length > 0 ? { ...wait(), signal: undefined } : wait());
    // Open and judged: from here this connection checkpoints as any client's does.
    keeper?.close();
    return {
      db,
      path,
      level: assessment.level,
      compatLevel: assessment.compatLevel,
      codeLevel,
      applied,
      readOnly,
      close: () => db.close(),
    };
  } catch (error) {
    try {
      db.close();
    } finally {
      keeper?.close();
    }
    throw error;
  }
}
