import Database from "better-sqlite3";
import { migrations as shippedMigrations } from "../../migrations/index.js";
import { nonAdditiveChanges } from "./compat-window.js";
import { migrationChecksum, type MigrationDefinition } from "./migration-definition.js";
import { describeSchema, diffSchemas, schemaFingerprint, type SchemaDescription } from "./schema-description.js";
import { StateError } from "./state-error.js";
import { requireSqliteModule } from "./sqlite-module.js";

export interface CatalogEntry {
  readonly definition: MigrationDefinition;
  readonly index: number;
  readonly checksum: string;
  /** The schema a file has right after this migration (replayed on an in-memory database). */
  readonly schemaAfter: SchemaDescription;
  readonly fingerprintAfter: string;
}

const NAME = /^\d{4}_[a-z0-9]+(?:_[a-z0-9]+)*$/;
/** Statements the runner owns: transactions, pragmas (it sets user_version), attaching files. */
const FORBIDDEN = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH|PRAGMA)\b/i;

function leadingKeyword(sql: string): string {
  return sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
}

function invalid(name: string, why: string): StateError {
  return new StateError("E_STATE_INVALID_MIGRATION", `migration ${name}: ${why}`, { details: { migration: name } });
}

/**
 * The migrations this build ships, validated once: names and order, levels stepping by one,
 * compat levels inside the N/N+1 window, no statement that would break the runner's transaction,
 * `down` undoing `up` exactly (schema-wise), and every level additive for every older level its
 * compat level still admits.
 */
export class MigrationCatalog {
  readonly entries: readonly CatalogEntry[];
  readonly maxLevel: number;
  private readonly byNameMap: ReadonlyMap<string, CatalogEntry>;

  constructor(definitions: readonly MigrationDefinition[]) {
    MigrationCatalog.checkShape(definitions);
    this.entries = Object.freeze(MigrationCatalog.replay(definitions));
    this.byNameMap = new Map(this.entries.map((e) => [e.definition.name, e]));
    this.maxLevel = this.entries.length === 0 ? 0 : (this.entries[this.entries.length - 1] as CatalogEntry).definition.level;
    this.checkWindow();
  }

  byName(name: string): CatalogEntry | undefined {
    return this.byNameMap.get(name);
  }

  /** The entry after which a file is at `level` (the last migration of that level). */
  lastOfLevel(level: number): CatalogEntry | undefined {
    let found: CatalogEntry | undefined;
    for (const e of this.entries) if (e.definition.level === level) found = e;
    return found;
  }

  /** Expected schema at `level` (level 0: empty). */
  schemaAtLevel(level: number): SchemaDescription {
    if (level === 0) return { tables: [], others: [] };
    const e = this.lastOfLevel(level);
    if (e === undefined) throw new StateError("E_STATE_LEVEL_UNKNOWN", `state level ${level} is not known to this build (levels 1..${this.maxLevel})`);
    return e.schemaAfter;
  }

  /** Everything code at `level` has declared it no longer uses (retirements accumulate). */
  retiredAtLevel(level: number): ReadonlySet<string> {
    const out = new Set<string>();
    for (const e of this.entries) if (e.definition.level <= level) for (const r of e.definition.retires ?? []) out.add(r);
    return out;
  }

  compatLevelAt(level: number): number {
    return level === 0 ? 0 : (this.lastOfLevel(level)?.definition.compatLevel ?? 0);
  }

  private static checkShape(defs: readonly MigrationDefinition[]): void {
    let previous: MigrationDefinition | undefined;
    for (const m of defs) {
      if (!NAME.test(m.name)) throw invalid(m.name, "name must look like NNNN_words (lowercase, digits, underscores)");
      if (previous !== undefined && m.name <= previous.name) throw invalid(m.name, `must sort after ${previous.name}`);
      const prevLevel = previous?.level ?? 0;
      if (!Number.isInteger(m.level) || (m.level !== prevLevel && m.level !== prevLevel + 1) || m.level < 1) {
        throw invalid(m.name, `level ${m.level} must be ${prevLevel} or ${prevLevel + 1}`);
      }
      const maxCompat = Math.max(1, m.level - 1);
      if (!Number.isInteger(m.compatLevel) || m.compatLevel < 1 || m.compatLevel > maxCompat) {
        throw invalid(
          m.name,
          `compat level ${m.compatLevel} must be between 1 and ${maxCompat}: release ${m.level - 1} must keep working on a file level ${m.level} wrote`,
        );
      }
      if (previous !== undefined && m.compatLevel < previous.compatLevel) {
        throw invalid(m.name, `compat level ${m.compatLevel} is below ${previous.name}'s ${previous.compatLevel}`);
      }
      if (!Number.isInteger(m.protocol) || m.protocol < 1 || (previous !== undefined && m.protocol < previous.protocol)) {
        throw invalid(m.name, `protocol ${m.protocol} must be a positive integer, never decreasing`);
      }
      if (m.up.length === 0) throw invalid(m.name, "up has no statements");
      for (const [dir, list] of [["up", m.up], ["down", m.down]] as const) {
        list.forEach((sql, i) => {
          if (FORBIDDEN.test(leadingKeyword(sql))) {
            throw invalid(m.name, `${dir} statement ${i + 1} controls transactions, pragmas or attached files; the runner owns those`);
          }
        });
      }
      previous = m;
    }
  }

  private static replay(defs: readonly MigrationDefinition[]): CatalogEntry[] {
    requireSqliteModule();
    const db = new Database(":memory:");
    try {
      db.pragma("foreign_keys = ON");
      const entries: CatalogEntry[] = [];
      let before = describeSchema(db);
      defs.forEach((definition, index) => {
        const run = (dir: "up" | "down"): void => {
          definition[dir].forEach((sql, i) => {
            try {
              db.exec(sql);
            } catch (error) {
              throw new StateError(
                "E_STATE_INVALID_MIGRATION",
                `migration ${definition.name}: ${dir} statement ${i + 1} fails on an empty database: ${(error as Error).message}`,
                { cause: error, details: { migration: definition.name } },
              );
            }
          });
        };
        run("up");
        const after = describeSchema(db);
        run("down");
        const undone = describeSchema(db);
        const diff = diffSchemas(before, undone);
        if (diff.length > 0) throw invalid(definition.name, `down does not restore the previous schema: ${diff.join("; ")}`);
        run("up");
        entries.push({ definition, index, checksum: migrationChecksum(definition), schemaAfter: after, fingerprintAfter: schemaFingerprint(after) });
        before = after;
      });
      return entries;
    } finally {
      db.close();
    }
  }

  private checkWindow(): void {
    // A later migration of a level ships in a later release of that level (0.3.1 after 0.3.0):
    // the build of that level without it opens the files it migrated (as a newer build's), so
    // it must be additive over the migration before it, whatever the compat level says. Nothing
    // here says which release ships a migration, so two shipped together are held to it too: such
    // a release merges them (a pre-release build with only the first would open the files too).
    for (const e of this.entries) {
      const before = this.entries[e.index - 1];
      if (before === undefined || before.definition.level !== e.definition.level) continue;
      const retired = new Set<string>();
      for (const earlier of this.entries.slice(0, e.index)) for (const r of earlier.definition.retires ?? []) retired.add(r);
      const problems = nonAdditiveChanges(before.schemaAfter, e.schemaAfter, retired);
      if (problems.length > 0) {
        throw invalid(
          e.definition.name,
          `it shares level ${e.definition.level} with ${before.definition.name}, so a build of level ${e.definition.level} without it must keep working on a file it migrated, but: ` +
            `${problems.join("; ")}. Make the change additive, or give it the next level; if neither has been released, merge it into ${before.definition.name} ` +
            "(the catalog cannot see which release ships which migration, so two migrations of one level are held to this rule even when they ship together).",
        );
      }
    }
    for (let level = 2; level <= this.maxLevel; level++) {
      const newer = this.schemaAtLevel(level);
      for (let older = this.compatLevelAt(level); older < level; older++) {
        const problems = nonAdditiveChanges(this.schemaAtLevel(older), newer, this.retiredAtLevel(older));
        if (problems.length > 0) {
          const culprit = this.lastOfLevel(level)?.definition.name ?? `level ${level}`;
          throw invalid(
            culprit,
            `level ${level} keeps compat level ${this.compatLevelAt(level)}, but code at level ${older} could break on it: ` +
              `${problems.join("; ")}. Make the change additive, or wait a release and raise the compat level.`,
          );
        }
      }
    }
  }
}

let shipped: MigrationCatalog | undefined;

/** The catalog of the migrations in `migrations/`, built on first use. */
export function shippedCatalog(): MigrationCatalog {
  shipped ??= new MigrationCatalog(shippedMigrations);
  return shipped;
}
