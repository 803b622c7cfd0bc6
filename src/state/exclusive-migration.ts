import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import type { Logger } from "../obs/index.js";
import { assessState, type StateAssessment } from "./assess-state.js";
import { holdAgainstClients } from "./client-hold.js";
import type { MigrationCatalog } from "./migration-catalog.js";
import { acquireMigrationLock, lockPathFor, tryMigrationLock, type MigrationLock } from "./migration-lock.js";
import { loadUmzug, runMigrations, type Plan } from "./migration-runner.js";
import type { MigrationRun } from "./migration-step.js";
import { stepWaiting } from "./open-waiting.js";
import { startPreflight, type Preflight, type PreflightTiming } from "./preflight-check.js";
import { readAssessment } from "./read-assessment.js";
import { toStateError } from "./sqlite-errors.js";
import { StateError } from "./state-error.js";
import { signalsDelivered } from "./stop-point.js";
import { enableWal } from "./state-file.js";
import { beginImmediate, rollbackQuietly } from "./write-transaction.js";

export interface ExclusiveMigrationOptions {
  path: string;
  catalog: MigrationCatalog;
  preflight: Preflight;
  lockTimeoutMs: number;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /**
   * The caller holds the file's storage-client lock (the storage client opening its own state).
   * Otherwise the run refuses (E_STATE_LOCKED) while a client holds it, and holds it itself so
   * none starts on the file until the run ends: a client's statements are prepared for the
   * file's level, and a run under it breaks its next write.
   */
  holdsClientLock?: boolean | undefined;
  /**
   * The run creates the file (a draft under a name of its own, or a dry run's database in memory):
   * no client opens it, so there is no client lock to take.
   */
  createsFile?: boolean | undefined;
  /**
   * What to run, decided from the state as seen inside the write transaction (another process may
   * have migrated while this one waited): a plan, or undefined when nothing is left to do. Throws
   * to refuse the file.
   */
  plan(assessment: StateAssessment): Plan | undefined;
  /**
   * Run everything up to the commit (statements, schema checks, preflight verdict), then roll back:
   * the result says where the file would stand, and nothing is written.
   */
  dryRun?: boolean | undefined;
}

export interface ExclusiveMigrationResult {
  readonly runs: readonly MigrationRun[];
  /** Where the file stands afterwards. */
  readonly assessment: StateAssessment;
  /** undefined when the preflight was off, or nothing was left to run. */
  readonly preflight: PreflightTiming | undefined;
  /** The run's single COMMIT (WAL write and, past 1000 pages, the checkpoint). */
  readonly commitMs: number;
}

/**
 * One migration run on `db` (an open, judged connection): every pending migration and its
 * bookkeeping in a single `BEGIN IMMEDIATE … COMMIT`, so a failure or a kill anywhere leaves the
 * file at the level it had (a clean level, nothing half-done), and the preflight checks the
 * pre-run snapshot on another core while the migrations work. Nothing commits before its verdict.
 *
 * Exclusion: the sidecar lock is what every process must hold to commit a migration run. When
 * the sidecar exists, it is taken first and waited for, as every release does. When it does not
 * (a file copied without it, or never migrated by this package), creating it before the verdict
 * would leave a file beside a corrupt database that must be refused untouched; so the run works
 * under the database's write lock alone and takes the sidecar only at its commit, without
 * waiting: if another process holds it, the run rolls back and waits for the sidecar like
 * everyone else. A process never waits for the sidecar while it holds the write lock, so two
 * processes cannot deadlock; every run re-reads the state inside its write transaction, so at
 * most one of them migrates.
 */
export async function runExclusiveMigration(db: Database.Database, options: ExclusiveMigrationOptions): Promise<ExclusiveMigrationResult> {
  if (options.holdsClientLock === true || options.createsFile === true) return migrateHoldingClients(db, options, undefined);
  const releaseClients = holdAgainstClients(options.path);
  // A file no client used yet has no client lock to hold from the start; a client may make it and
  // open the file at its old level while this run waits for its locks or migrates (seconds on a
  // large file), and a commit then broke its next journal write. The commit takes the lock first,
  // made now if still missing (a client making it the moment after a look would be missed).
  const atCommit = releaseClients === undefined ? () => holdAgainstClients(options.path, { create: options.dryRun !== true }) : undefined;
  try {
    return await migrateHoldingClients(db, options, atCommit);
  } finally {
    releaseClients?.();
  }
}

async function migrateHoldingClients(
  db: Database.Database,
  options: ExclusiveMigrationOptions,
  /** Takes the client lock just before the commit (E_STATE_LOCKED while a client holds it); its release, if taken. */
  holdClientsAtCommit: (() => (() => void) | undefined) | undefined,
): Promise<ExclusiveMigrationResult> {
  const { path, catalog, logger, signal } = options;
  // Loads while the locks are awaited, not inside the write transaction (a failure shows up when the run needs it).
  loadUmzug().catch(() => undefined);
  const wait = { timeoutMs: options.lockTimeoutMs, signal, logger };
  // A free file is checked even under an aborted signal: the lock waits below report the abort, as before.
  const preflight = await startPreflight(db, path, options.preflight, { timeoutMs: options.lockTimeoutMs, signal, signalStopsOnlyTheWait: true });
  try {
    let sidecarFirst = existsSync(lockPathFor(path));
    for (;;) {
      let lock: MigrationLock | undefined = sidecarFirst ? await acquireMigrationLock(path, wait) : undefined;
      let releaseClients: (() => void) | undefined;
      try {
        // Switching to WAL rewrites the header: a dry run leaves the file's journal mode alone.
        // It needs a rollback-journal file to itself: waited for by polling, as the write lock is
        // (on the busy timeout, another process's read or write froze this one, then refused it).
        if (options.dryRun !== true) await stepWaiting(db, path, `switch ${path} to WAL`, () => enableWal(db, path), { timeoutMs: options.lockTimeoutMs, signal });
        await beginImmediate(db, path, wait);
        let runs: MigrationRun[];
        try {
          const before = assess(db, catalog, path);
          const plan = options.plan(before);
          if (plan === undefined) {
            rollbackQuietly(db);
            return { runs: [], assessment: before, preflight: undefined, commitMs: 0 };
          }
          runs = await runMigrations(db, catalog, plan, before.lastKnown, { path, logger, signal });
          const timing = await preflight.verdict();
          if (options.dryRun === true) {
            // It looks, making no lock file: the real run would be refused here.
            holdClientsAtCommit?.()?.();
            const wouldBe = assess(db, catalog, path);
            rollbackQuietly(db);
            return { runs, assessment: wouldBe, preflight: timing, commitMs: 0 };
          }
          if (lock === undefined) {
            lock = await tryMigrationLock(path);
            if (lock === undefined) {
              logger.info({ lock: lockPathFor(path) }, "another process took the migration lock; rolling back to wait for it");
              rollbackQuietly(db);
              sidecarFirst = true;
              continue;
            }
          }
          releaseClients = holdClientsAtCommit?.();
          // A signal during the last migration or the wait for the verdict stops the run too: it
          // was looked at only before each migration, so such a Ctrl-C was followed by the commit.
          if (signal !== undefined) await signalsDelivered();
          if (signal?.aborted === true) {
            throw new StateError("E_STATE_ABORTED", `migration of ${path} stopped before its commit; rolled back, the file keeps its level`, {
              cause: signal.reason,
              details: { path },
            });
          }
          const commitStart = performance.now();
          db.exec("COMMIT");
          const commitMs = performance.now() - commitStart;
          return { runs, assessment: readAssessment(db, catalog, path), preflight: timing, commitMs };
        } catch (error) {
          rollbackQuietly(db);
          // A migration that trips over a corrupt page fails too, but the preflight's finding is
          // the root cause and says more.
          throw (await preflight.problem()) ?? toStateError(error, path, "migrate");
        }
      } finally {
        releaseClients?.();
        lock?.release();
      }
    }
  } finally {
    await preflight.finished;
  }
}

/** assessState inside the open write transaction, SQLite errors mapped. */
function assess(db: Database.Database, catalog: MigrationCatalog, path: string): StateAssessment {
  try {
    return assessState(db, catalog, path);
  } catch (error) {
    throw toStateError(error, path, "read the state");
  }
}
