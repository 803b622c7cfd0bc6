import { silentLogger, type Logger } from "../obs/index.js";
import type { StateAssessment } from "./assess-state.js";
import { shippedCatalog, type CatalogEntry, type MigrationCatalog } from "./migration-catalog.js";
import { acquireMigrationLock, DEFAULT_LOCK_TIMEOUT_MS } from "./migration-lock.js";
import { runMigrations } from "./migration-runner.js";
import type { Direction, MigrationRun } from "./migration-step.js";
import { DEFAULT_BUSY_TIMEOUT_MS } from "./open-state.js";
import { preflightCheck, type Preflight } from "./preflight-check.js";
import { assertUsableBy, readAssessment } from "./read-assessment.js";
import { StateError } from "./state-error.js";
import { enableWal, openConnection, probeStateFile } from "./state-file.js";

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
  /** Check before migrating (default `quick_check`). */
  preflight?: Preflight;
  catalog?: MigrationCatalog;
}

export interface MigrateStateResult {
  readonly path: string;
  readonly before: { readonly level: number; readonly compatLevel: number };
  readonly after: { readonly level: number; readonly compatLevel: number };
  readonly runs: readonly MigrationRun[];
}

function unknownTarget(name: string, catalog: MigrationCatalog): StateError {
  return new StateError(
    "E_STATE_LEVEL_UNKNOWN",
    `no migration named ${name} in this build (have: ${catalog.entries.map((e) => e.definition.name).join(", ")})`,
    { details: { migration: name } },
  );
}

/** How many applied migrations to revert so that `to` is the last one applied. */
function downSteps(assessment: StateAssessment, to: string | 0 | undefined, catalog: MigrationCatalog, path: string): number {
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
  if (target.index >= applied) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", `${to} is not applied to ${path}; down can only go back to an applied migration`, {
      details: { path, migration: to },
    });
  }
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
 * `migrate up` / `migrate down` on a file, under the migration lock, with the same checks as
 * openState. Down is the explicit rollback a newer release runs before an older one is
 * reinstalled across a compat boundary; each step restores every row the older level had.
 */
export async function migrateState(options: MigrateStateOptions): Promise<MigrateStateResult> {
  const { path } = options;
  const catalog = options.catalog ?? shippedCatalog();
  const logger = options.logger ?? silentLogger();
  const probe = probeStateFile(path);
  if (!probe.exists && options.direction === "down") {
    throw new StateError("E_STATE_NOT_FOUND", `${path} does not exist; nothing to revert`, { details: { path } });
  }
  if (probe.exists ? !probe.writable : !probe.folderWritable) {
    throw new StateError("E_STATE_READ_ONLY", `${path} is read-only (or its folder is); migrating needs to write it. Nothing was written.`, {
      details: { path },
    });
  }
  const db = openConnection(path, { readOnly: false, create: options.direction === "up", busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    let assessment = readAssessment(db, catalog, path);
    assertUsableBy(assessment, catalog.maxLevel, path);
    const before = { level: assessment.level, compatLevel: assessment.compatLevel };
    // Refuse a bad target, and a corrupt file, before taking the lock.
    const work = options.direction === "down" ? downSteps(assessment, options.to, catalog, path) > 0 : upThrough(assessment, options.to, catalog) !== undefined;
    if (work) preflightCheck(db, path, options.preflight ?? "quick_check");
    const lock = await acquireMigrationLock(path, { timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, signal: options.signal, logger });
    let runs: MigrationRun[] = [];
    try {
      assessment = readAssessment(db, catalog, path);
      assertUsableBy(assessment, catalog.maxLevel, path);
      const runOptions = { path, logger, signal: options.signal };
      if (options.direction === "down") {
        const steps = downSteps(assessment, options.to, catalog, path);
        if (steps > 0) {
          enableWal(db, path);
          runs = await runMigrations(db, catalog, { direction: "down", steps }, runOptions);
        }
      } else {
        const through = upThrough(assessment, options.to, catalog);
        if (through !== undefined) {
          enableWal(db, path);
          runs = await runMigrations(db, catalog, { direction: "up", through }, runOptions);
        }
      }
      assessment = readAssessment(db, catalog, path);
    } finally {
      lock.release();
    }
    return { path, before, after: { level: assessment.level, compatLevel: assessment.compatLevel }, runs };
  } finally {
    db.close();
  }
}
