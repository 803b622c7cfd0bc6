import type Database from "better-sqlite3";
import type { UmzugStorage } from "umzug";
import type { Logger } from "../obs/index.js";
import type { CatalogEntry, MigrationCatalog } from "./migration-catalog.js";
import { runMigrationStep, type MigrationRun } from "./migration-step.js";
import { StateError } from "./state-error.js";
import { createLedger, dropLedger, recordApplied, recordLevel, recordReverted } from "./state-ledger.js";

/**
 * umzug's storage over the ledger table. The log rows themselves are written by the run, in its
 * transaction, once every migration has run (see recordLevel for why at that moment); until then
 * this keeps umzug's view of what is applied in memory, so umzug and the file never disagree
 * after the commit and nothing of the run is visible before it.
 */
class LedgerStorage implements UmzugStorage {
  private readonly logged: string[] = [];
  private readonly unlogged = new Set<string>();

  constructor(private readonly db: Database.Database) {}

  async executed(): Promise<string[]> {
    const hasLog = this.db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_state_migrations'`).get() !== undefined;
    const inFile = hasLog ? (this.db.prepare(`SELECT name FROM _state_migrations ORDER BY seq`).pluck().all() as string[]) : [];
    return [...inFile, ...this.logged].filter((name) => !this.unlogged.has(name));
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    this.logged.push(name);
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    this.unlogged.add(name);
  }
}

let umzugModule: Promise<typeof import("umzug")> | undefined;

/**
 * umzug, imported the first time a migration runs (it is most of what the state module would
 * otherwise load for a client whose file is already at its level). Calling it early starts the
 * import before the write lock is taken.
 */
export function loadUmzug(): Promise<typeof import("umzug")> {
  umzugModule ??= import("umzug");
  return umzugModule;
}

export interface RunOptions {
  path: string;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

export type Plan =
  /** Apply pending migrations through `through` (inclusive). */
  | { readonly direction: "up"; readonly through: CatalogEntry }
  /** Revert the last `steps` applied migrations. */
  | { readonly direction: "down"; readonly steps: number };

/** The migration that is the last applied once `plan` has run on a file whose last applied one is `last`. */
function finalEntry(catalog: MigrationCatalog, plan: Plan, last: CatalogEntry | undefined): CatalogEntry | undefined {
  if (plan.direction === "up") return plan.through;
  const index = (last?.index ?? -1) - plan.steps;
  return index >= 0 ? catalog.entries[index] : undefined;
}

/**
 * umzug drives the order and the events; every migration it runs is one step of the caller's
 * open write transaction, and the bookkeeping (version row, log rows) goes into the same
 * transaction. The caller holds the write lock, has checked the history (checksums, order,
 * missing, dirty) inside that transaction, and commits or rolls back.
 */
export async function runMigrations(
  db: Database.Database,
  catalog: MigrationCatalog,
  plan: Plan,
  /** The last migration applied to the file before the run (undefined: a new file). */
  last: CatalogEntry | undefined,
  options: RunOptions,
): Promise<MigrationRun[]> {
  const runs: { entry: CatalogEntry; run: MigrationRun }[] = [];
  const final = finalEntry(catalog, plan, last);
  if (plan.direction === "up") createLedger(db);
  recordLevel(db, final, Date.now());

  const step = (entry: CatalogEntry, direction: "up" | "down"): (() => Promise<void>) => async () => {
    if (options.signal?.aborted === true) {
      throw new StateError("E_STATE_ABORTED", `migration of ${options.path} stopped before ${entry.definition.name}; rolled back, the file keeps its level`, {
        cause: options.signal.reason,
        details: { path: options.path },
      });
    }
    const previous = entry.index === 0 ? undefined : catalog.entries[entry.index - 1];
    const run = runMigrationStep(db, options.path, entry, direction, previous);
    runs.push({ entry, run });
    options.logger.info(
      // stateLevel, not level: pino writes its own `level` (the severity) first, and a JSON reader keeps the last key.
      { migration: run.name, direction, stateLevel: run.level, compatLevel: run.compatLevel, ms: Math.round(run.durationMs) },
      direction === "up" ? "migration applied (commits with the run)" : "migration reverted (commits with the run)",
    );
  };
  const { Umzug } = await loadUmzug();
  const umzug = new Umzug<Record<string, never>>({
    migrations: catalog.entries.map((entry) => ({ name: entry.definition.name, up: step(entry, "up"), down: step(entry, "down") })),
    storage: new LedgerStorage(db),
    context: {},
    logger: undefined,
  });
  try {
    if (plan.direction === "up") await umzug.up({ to: plan.through.definition.name });
    else if (plan.steps > 0) await umzug.down({ step: plan.steps });
  } catch (error) {
    // umzug wraps what a migration threw in its MigrationError; ours is the cause.
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof StateError ? cause : error;
  }

  const now = Date.now();
  for (const { entry, run } of runs) {
    if (run.direction === "up") recordApplied(db, entry, now, run.durationMs);
    else recordReverted(db, entry);
  }
  if (plan.direction === "down" && final === undefined && runs.length > 0) dropLedger(db);
  return runs.map((r) => r.run);
}
