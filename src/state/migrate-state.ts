import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import type { Logger } from "../obs/index.js";
import { migrationLogger } from "./migration-log.js";
import type { StateAssessment } from "./assess-state.js";
import { shippedCatalog, type CatalogEntry, type MigrationCatalog } from "./migration-catalog.js";
import { runExclusiveMigration } from "./exclusive-migration.js";
import { lockTimeoutOf } from "./migration-lock.js";
import type { Plan } from "./migration-runner.js";
import type { Direction, MigrationRun } from "./migration-step.js";
import { createByDraft, removeAbandonedDrafts } from "./draft-file.js";
import { defaultDryRunMemoryBytes, keepDryRunInMemory, refuseDryRunPastMemory } from "./dry-run-pages.js";
import { sidecarsRefused } from "./folder-sidecars.js";
import { busyTimeoutOf } from "./open-state.js";
import type { Preflight, PreflightTiming } from "./preflight-check.js";
import { assertUsableBy, readAssessment } from "./read-assessment.js";
import { StateError } from "./state-error.js";
import { openConnection, probeStateFile, refuseMissingFolder } from "./state-file.js";
import { openWaiting, stepWaiting } from "./open-waiting.js";
import { readOnlyFor } from "./read-mode.js";
import { toStateError } from "./sqlite-errors.js";
import { rollbackLoss, unfinishedJobsError, type JournalLoss } from "./rollback-loss.js";
import { dataLoss, dataLossError, needsConsent, nonEmpty, type DataLoss } from "./data-loss.js";
import { assertKnownOptions, keysOf } from "../errors/index.js";

export interface MigrateStateOptions {
  path: string;
  direction: Direction;
  /**
   * The migration the file should end at (it stays applied), or 0 for "before the first one".
   * Default: up applies everything this build has; down reverts the last applied migration.
   */
  to?: string | 0;
  lockTimeoutMs?: number;
  busyTimeoutMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Check of the file before the run may commit (default `quick_check`, alongside the migrations). */
  preflight?: Preflight;
  catalog?: MigrationCatalog;
  /**
   * A `down` that would drop storage-journal rows the level it ends at cannot keep (unfinished
   * uploads and downloads, done uploads whose pieces messages still refer to) is refused with
   * E_STATE_UNFINISHED_JOBS unless this is true; the result's `discarded` then names what went.
   */
  discardUnfinishedJobs?: boolean;
  /**
   * A `down` that would drop data outside the storage journal (file references, CD pointers,
   * cache entries, column values the level it ends at has no place for) is refused with
   * E_STATE_DATA_LOSS unless this is true; the result's `dataLoss` then names what went.
   */
  discardData?: boolean;
  /** Run everything (checks, statements, schema checks) in the transaction, then roll it back: nothing is written. */
  dryRun?: boolean;
  /**
   * The memory a dry run may keep its changed pages in (they never spill to disk; up to about the
   * file's size). A file larger than this (with its -wal) is refused before the run with
   * E_STATE_TOO_LARGE. Default: half the memory of the machine or of the process's container.
   */
  dryRunMemoryBytes?: number;
}

/** The keys MigrateStateOptions has (the compiler holds the two together); migrateState refuses any other. */
const MIGRATE_STATE_OPTIONS = keysOf<MigrateStateOptions>()({
  path: true,
  direction: true,
  to: true,
  lockTimeoutMs: true,
  busyTimeoutMs: true,
  logger: true,
  signal: true,
  preflight: true,
  catalog: true,
  discardUnfinishedJobs: true,
  discardData: true,
  dryRun: true,
  dryRunMemoryBytes: true,
});

export interface MigrateStateResult {
  readonly path: string;
  readonly before: { readonly level: number; readonly compatLevel: number };
  readonly after: { readonly level: number; readonly compatLevel: number };
  readonly runs: readonly MigrationRun[];
  /** How the check before migrating went (undefined when off or nothing ran). */
  readonly preflight: PreflightTiming | undefined;
  /** The run's single commit (0 for a dry run). */
  readonly commitMs: number;
  /** What the run dropped (or, for a dry run, would drop) from the storage journal; undefined when nothing. */
  readonly discarded?: JournalLoss;
  /** What the run dropped (or, for a dry run, would drop), table by table, journal included; undefined when nothing. */
  readonly dataLoss?: DataLoss;
  /** true: the run was rolled back; `after` and `runs` are what it would have done. */
  readonly dryRun: boolean;
}

function unknownTarget(name: string, catalog: MigrationCatalog): StateError {
  return new StateError(
    "E_STATE_LEVEL_UNKNOWN",
    `no migration named ${name} in this build (have: ${catalog.entries.map((e) => e.definition.name).join(", ")})`,
    { details: { migration: name } },
  );
}

/**
 * Where a `down` without `to` ends: before the last migration applied when the file was first
 * judged. Fixed then, not re-read inside the write transaction: a run that waited for the lock
 * while another reverted that migration would otherwise revert the one before it as well.
 * undefined: nothing applied, or a newer build's migration is last (downSteps refuses that).
 */
function implicitDownTarget(first: StateAssessment, catalog: MigrationCatalog): string | 0 | undefined {
  if (first.future.length > 0 || first.lastKnown === undefined) return undefined;
  const before = catalog.entries[first.lastKnown.index - 1];
  return before === undefined ? 0 : before.definition.name;
}

/**
 * A down is judged on the file as it was first read: its target (implicit or `to`), the losses it
 * names and the flags the user gave for them. When another process applied migrations while this
 * one waited for the lock (an app of the newer release starting, someone's `migrate up`), going on
 * would revert what that process just did, further than the user looked: refused, nothing written.
 * A file another down took back meanwhile (its history a prefix of the first one) is no surprise:
 * the implicit target finds its work done, an explicit one goes on to it.
 */
function assertNotMovedOn(first: StateAssessment, now: StateAssessment, path: string): void {
  const was = first.applied.map((a) => a.name);
  const is = now.applied.map((a) => a.name);
  if (is.length <= was.length && is.every((name, i) => was[i] === name)) return;
  const last = (names: string[]): string => names[names.length - 1] ?? "nothing applied";
  throw new StateError(
    "E_STATE_CHANGED",
    `${path} changed while this down waited for the migration lock: it was at level ${first.level} (${last(was)}) when judged, and another process has since brought it to ` +
      `level ${now.level} (${last(is)}). Nothing was reverted. Look at \`status-compat migrate status\` and run the down again if it is still wanted (stop the app first if it is the one upgrading).`,
    { details: { path, level: first.level, nowLevel: now.level, last: last(was), nowLast: last(is) } },
  );
}

/**
 * A down to a migration of this build the file has not applied (newer than it: a user who meant
 * `up`, or named the level to leave). Said with the file's level, what a down takes there and the
 * up that reaches it; it said only "down can only go back to an applied migration". The code stays
 * the one callers branch on; `details.downTargets` tells it from a name the build lacks, and the
 * CLI answers it as a usage error (the file refused nothing).
 */
function notApplied(to: string, assessment: StateAssessment, path: string): StateError {
  const names = assessment.applied.map((a) => a.name);
  const lastApplied = names[names.length - 1];
  const downTargets: (string | 0)[] = [...names.slice(0, -1), 0];
  const takes = downTargets.length > 1 ? `${downTargets.slice(0, -1).join(", ")} or 0` : "0";
  return new StateError(
    "E_STATE_LEVEL_UNKNOWN",
    `${to} is not applied to ${path}, which is at level ${assessment.level} (${lastApplied === undefined ? "nothing applied" : `last applied ${lastApplied}`}): ` +
      `a down goes back to a migration applied before the last one, so down --to takes ${takes} (0: everything). To bring the file up to ${to}, run \`status-compat migrate up --db ${path} --to ${to}\`. Nothing was written.`,
    { details: { path, migration: to, level: assessment.level, lastApplied, downTargets } },
  );
}

/** How many applied migrations to revert so that `to` is the last one applied. */
function downSteps(assessment: StateAssessment, to: string | 0 | undefined, catalog: MigrationCatalog, path: string, implicit = false): number {
  if (assessment.future.length > 0) {
    const newest = assessment.future[assessment.future.length - 1];
    throw new StateError(
      "E_STATE_MISSING_MIGRATION",
      `${path} has ${newest?.name ?? "a newer migration"} (level ${newest?.level ?? "?"}) applied, which this build does not have, so it cannot revert it; ` +
        "run `migrate down` with the release that added it",
      { details: { path, migration: newest?.name } },
    );
  }
  const applied = assessment.applied.length;
  if (to === undefined) return Math.min(1, applied);
  if (to === 0) return applied;
  const target = catalog.byName(to);
  if (target === undefined) throw unknownTarget(to, catalog);
  // An implicit target another run has reached (or passed) meanwhile: its work is done.
  if (target.index >= applied && implicit) return 0;
  if (target.index >= applied) throw notApplied(to, assessment, path);
  return applied - (target.index + 1);
}

function upThrough(assessment: StateAssessment, to: string | 0 | undefined, catalog: MigrationCatalog): CatalogEntry | undefined {
  if (to === 0) return undefined;
  const target = to === undefined ? catalog.entries[catalog.entries.length - 1] : catalog.byName(to);
  if (target === undefined) throw unknownTarget(String(to), catalog);
  const done = assessment.applied.length - assessment.future.length;
  return target.index >= done ? target : undefined;
}

/**
 * `migrate up` / `migrate down` on a file, under the migration lock, in one transaction, with
 * the same checks as openState. Down is the explicit rollback a newer release runs before an older one is
 * reinstalled across a compat boundary; each step restores every row the older level had.
 * An `up` that creates a missing file builds it under a name of its own beside it and gives it the
 * file's name only once it has committed: nothing is left when it is stopped or refused.
 */
export async function migrateState(options: MigrateStateOptions): Promise<MigrateStateResult> {
  assertKnownOptions("migrateState", options, MIGRATE_STATE_OPTIONS, false);
  // A creator killed outright left its draft; a dry run writes nothing, not even that removal.
  if (options.direction === "up" && options.dryRun !== true) removeAbandonedDrafts(options.path);
  if (options.direction !== "up" || options.dryRun === true || existsSync(options.path)) return migrateInPlace(options);
  const { result, published } = await createByDraft(options.path, async (draft) => {
    const run = await migrateInPlace({ ...options, path: draft });
    return { result: run, committedLevel: run.runs.length > 0 ? run.after.level : undefined };
  });
  // Another process created the file meanwhile (or --to named nothing to apply): run on it as it is.
  if (!published) return migrateInPlace(options);
  return { ...result, path: options.path };
}

async function migrateInPlace(options: MigrateStateOptions): Promise<MigrateStateResult> {
  const { path } = options;
  const catalog = options.catalog ?? shippedCatalog();
  const logger = migrationLogger(options.logger);
  const lockTimeoutMs = lockTimeoutOf(options.lockTimeoutMs);
  const busyTimeoutMs = busyTimeoutOf(options.busyTimeoutMs);
  const memory = options.dryRunMemoryBytes;
  if (memory !== undefined && (typeof memory !== "number" || Number.isNaN(memory) || memory < 0)) {
    throw new RangeError(`state option dryRunMemoryBytes must be a number of bytes, 0 or more, not ${String(memory)}`);
  }
  // Before anything is opened: opening `up` on a missing file creates it, and a typo in `to` left that empty file behind.
  if (typeof options.to === "string" && catalog.byName(options.to) === undefined) throw unknownTarget(options.to, catalog);
  const probe = probeStateFile(path);
  if (!probe.exists && options.direction === "down") {
    throw new StateError("E_STATE_NOT_FOUND", `${path} does not exist; nothing to revert`, { details: { path } });
  }
  if (!probe.exists) refuseMissingFolder(path);
  if (probe.exists ? !probe.writable : !probe.folderWritable) {
    throw new StateError("E_STATE_READ_ONLY", `${path} is read-only (or its folder is); migrating needs to write it. Nothing was written.`, {
      details: { path },
    });
  }
  // A dry run of `up` on a missing file runs on an empty database in memory: it creates nothing.
  const inMemory = options.dryRun === true && !probe.exists;
  // This read-write connection, the last to close a file whose -wal holds commits (an app killed
  // before its checkpoint), would checkpoint them into the file and delete the -wal: a write, by a
  // dry run or a refusal that say nothing was written. A read-only connection opened first and
  // closed last keeps both as they were; a run that commits lets it go first, and checkpoints.
  // Best effort: the run itself reports whatever stops it.
  // Waited for as the connection is: opened on the busy timeout, it waited that long frozen under
  // a process holding the file exclusively, failed, and the run went on without it.
  const started = performance.now();
  const wait = () => ({ timeoutMs: Math.max(0, lockTimeoutMs - (performance.now() - started)), signal: options.signal });
  let keeper: Database.Database | undefined;
  if (probe.exists && readOnlyFor(path, probe)) {
    try {
      keeper = await openWaiting(path, { readOnly: true, create: false, busyTimeoutMs }, wait());
    } catch (error) {
      if (error instanceof StateError && error.code === "E_STATE_ABORTED") throw error;
      keeper = undefined;
    }
  }
  let db;
  try {
    const connection = { readOnly: false, create: options.direction === "up", busyTimeoutMs };
    db = inMemory ? openConnection(":memory:", connection) : await openWaiting(path, connection, wait());
  } catch (error) {
    keeper?.close();
    throw error;
  }
  try {
    // Waited for as the open is: a process that took the file between the open and this read (a
    // tool's BEGIN EXCLUSIVE on a rollback-journal file) made it wait the busy timeout frozen,
    // whatever lockTimeoutMs said, then refuse E_STATE_LOCKED.
    const read = (): StateAssessment => readAssessment(db, catalog, path);
    const first = inMemory ? read() : await stepWaiting(db, path, `read the state of ${path}`, read, wait());
    assertUsableBy(first, catalog.maxLevel, path);
    const before = { level: first.level, compatLevel: first.compatLevel };
    const dryRun = options.dryRun === true;
    if (dryRun) keepDryRunInMemory(db, path);
    const implicit = options.direction === "down" && options.to === undefined;
    const downTo = implicit ? implicitDownTarget(first, catalog) : options.to;
    let discarded: JournalLoss | undefined;
    let dropped: DataLoss | undefined;
    // What to run, from a state: refuses a bad target before any check, lock or write. Inside the
    // write transaction it sees the rows the run would drop, so the journal's count is exact.
    const planFor = (a: StateAssessment): Plan | undefined => {
      assertUsableBy(a, catalog.maxLevel, path);
      if (options.direction === "down") {
        assertNotMovedOn(first, a, path);
        const steps = downSteps(a, downTo, catalog, path, implicit);
        // What the first look counted is not what this run drops: it drops nothing.
        if (steps === 0) {
          discarded = undefined;
          dropped = undefined;
          return undefined;
        }
        const targetLevel = catalog.entries[(a.lastKnown?.index ?? -1) - steps]?.definition.level ?? 0;
        const target = catalog.schemaAtLevel(targetLevel);
        // The first plan runs outside the run (whose errors are mapped): a damaged page in a table
        // counted here escaped as SQLite's own error, which the CLI reports as an internal one.
        const counted = <T>(count: () => T): T => {
          try {
            return count();
          } catch (error) {
            throw toStateError(error, path, "count what the down would drop");
          }
        };
        discarded = counted(() => rollbackLoss(db, target));
        if (discarded !== undefined && options.discardUnfinishedJobs !== true) {
          throw counted(() => unfinishedJobsError(path, catalog, { level: a.level, targetLevel }, discarded as JournalLoss, db));
        }
        // The journal has its rule above; the rest of what the down drops is the user's data too.
        dropped = counted(() => nonEmpty(dataLoss(db, target)));
        // Refused for what lies outside the journal; the refusal names all of it, table by table.
        if (dropped !== undefined && needsConsent(dropped) !== undefined && options.discardData !== true) {
          throw counted(() => dataLossError(db, path, catalog, { level: a.level, targetLevel }, dropped as DataLoss));
        }
        return { direction: "down", steps };
      }
      const through = upThrough(a, options.to, catalog);
      return through === undefined ? undefined : { direction: "up", through };
    };
    // A down's count of what it would drop reads every table it drops from: waited for as the first
    // read is (a process that took the file in between froze the run on the busy timeout, then
    // refused it E_STATE_LOCKED). An up's plan reads nothing.
    const plan = inMemory ? planFor(first) : await stepWaiting(db, path, `count what the down would drop from ${path}`, () => planFor(first), wait());
    if (plan === undefined) return { path, before, after: before, runs: [], preflight: undefined, commitMs: 0, dryRun };
    // Only once there is something to run: a file with nothing to apply is reported as it is.
    // A dry run refuses too: it needs what the real run needs.
    const folderRefusal = inMemory ? undefined : sidecarsRefused(path, probe, "migrating");
    if (folderRefusal !== undefined) throw folderRefusal;
    // Before the run: one that outgrows memory was killed part way, without a reason given.
    if (dryRun && !inMemory) refuseDryRunPastMemory(path, probe.size, options.dryRunMemoryBytes ?? defaultDryRunMemoryBytes(), options.dryRunMemoryBytes !== undefined);
    // Not under a running storage client (runExclusiveMigration refuses, and holds its lock meanwhile).
    const result = await runExclusiveMigration(db, {
      path,
      catalog,
      // Nothing to check in a database that does not exist yet (and the check reads the file by its path).
      preflight: inMemory ? "none" : (options.preflight ?? "quick_check"),
      lockTimeoutMs,
      logger,
      signal: options.signal,
      plan: planFor,
      dryRun,
      // A draft (or a dry run in memory): no client opens it.
      createsFile: !probe.exists,
    });
    if (!dryRun && result.runs.length > 0) {
      keeper?.close();
      keeper = undefined;
    }
    if (discarded !== undefined && !dryRun && result.runs.length > 0) {
      logger.warn({ path, ...discarded }, "migrate down discarded storage-journal rows the older level cannot keep, as the caller accepted");
    }
    if (dropped !== undefined && !dryRun && result.runs.length > 0) {
      logger.warn({ path, tables: dropped.tables, columns: dropped.columns }, "migrate down dropped data the older level has no place for");
    }
    const after = result.assessment;
    return {
      path,
      before,
      after: { level: after.level, compatLevel: after.compatLevel },
      runs: result.runs,
      preflight: result.preflight,
      commitMs: result.commitMs,
      ...(discarded === undefined || result.runs.length === 0 ? {} : { discarded }),
      ...(dropped === undefined || result.runs.length === 0 ? {} : { dataLoss: dropped }),
      dryRun,
    };
  } finally {
    try {
      db.close();
    } finally {
      keeper?.close();
    }
  }
}
