import type Database from "better-sqlite3";
import { Umzug, type UmzugStorage } from "umzug";
import type { Logger } from "../obs/index.js";
import type { CatalogEntry, MigrationCatalog } from "./migration-catalog.js";
import { runMigrationStep, type MigrationRun } from "./migration-step.js";
import { StateError } from "./state-error.js";

/**
 * umzug's storage over the ledger table. The ledger row itself is written by the migration's own
 * transaction (runMigrationStep); umzug's log calls only confirm it is there, so umzug's view and
 * the file can never disagree.
 */
class LedgerStorage implements UmzugStorage {
  constructor(private readonly db: Database.Database) {}

  async executed(): Promise<string[]> {
    const hasLog = this.db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_state_migrations'`).get() !== undefined;
    if (!hasLog) return [];
    return this.db.prepare(`SELECT name FROM _state_migrations ORDER BY seq`).pluck().all() as string[];
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    if (!(await this.executed()).includes(name)) throw new Error(`ledger row for ${name} missing after it committed`);
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    if ((await this.executed()).includes(name)) throw new Error(`ledger row for ${name} still present after revert`);
  }
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

/**
 * umzug drives the order and the events; every migration it runs goes through one transactional
 * step. The caller holds the migration lock and has checked the history (checksums, order,
 * missing, dirty) with assessState before calling.
 */
export async function runMigrations(
  db: Database.Database,
  catalog: MigrationCatalog,
  plan: Plan,
  options: RunOptions,
): Promise<MigrationRun[]> {
  const runs: MigrationRun[] = [];
  const step = (entry: CatalogEntry, direction: "up" | "down"): (() => Promise<void>) => async () => {
    if (options.signal?.aborted === true) {
      throw new StateError("E_STATE_ABORTED", `migration of ${options.path} stopped before ${entry.definition.name}; the file is at a clean level`, {
        cause: options.signal.reason,
        details: { path: options.path },
      });
    }
    const previous = entry.index === 0 ? undefined : catalog.entries[entry.index - 1];
    const run = runMigrationStep(db, options.path, entry, direction, previous);
    runs.push(run);
    options.logger.info(
      { migration: run.name, direction, level: run.level, compatLevel: run.compatLevel, ms: Math.round(run.durationMs) },
      direction === "up" ? "migration applied" : "migration reverted",
    );
  };
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
  return runs;
}
