import type Database from "better-sqlite3";
import type { CatalogEntry } from "./migration-catalog.js";
import { describeSchema, diffSchemas, schemaFingerprint, type SchemaDescription } from "./schema-description.js";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

export type Direction = "up" | "down";

/** One migration as it ran: what the dry-run report and `migrate` print. */
export interface MigrationRun {
  readonly name: string;
  readonly direction: Direction;
  readonly protocol: number;
  /** The file's level and compat level once this step is applied. */
  readonly level: number;
  readonly compatLevel: number;
  /** Its statements and the schema check; the run's commit is timed apart (one commit for the whole run). */
  readonly durationMs: number;
}

const EMPTY: SchemaDescription = { tables: [], others: [] };

/**
 * Runs one migration's statements inside the run's open write transaction (foreign keys are
 * enforced statement by statement), then checks that the schema is exactly what the catalog says
 * it should be. Throws on any failure; the caller rolls the whole run back, so the file keeps the
 * level it had before the run, with no trace of the attempt.
 */
export function runMigrationStep(
  db: Database.Database,
  path: string,
  entry: CatalogEntry,
  direction: Direction,
  /** The migration before `entry` (what the file returns to on `down`); undefined for the first. */
  previous: CatalogEntry | undefined,
): MigrationRun {
  const d = entry.definition;
  const start = performance.now();
  const statements = direction === "up" ? d.up : d.down;
  statements.forEach((sql, i) => {
    try {
      db.exec(sql);
    } catch (error) {
      const mapped = toStateError(error, path, `run migration ${d.name}`);
      if (mapped instanceof StateError && (mapped.code !== "E_STATE_IO" || refusedByDisk(error))) throw mapped;
      throw new StateError(
        "E_STATE_MIGRATION_FAILED",
        `migration ${d.name} (${direction}) failed at statement ${i + 1} of ${statements.length}: ${(error as Error).message}; ` +
          `rolled back, ${path} is unchanged`,
        { cause: error, details: { path, migration: d.name, direction, statement: i + 1 } },
      );
    }
  });
  const expected = direction === "up" ? entry.schemaAfter : (previous?.schemaAfter ?? EMPTY);
  let actual: SchemaDescription;
  try {
    actual = describeSchema(db);
  } catch (error) {
    throw toStateError(error, path, `check the schema after migration ${d.name}`);
  }
  if (schemaFingerprint(actual) !== schemaFingerprint(expected)) {
    throw new StateError(
      "E_STATE_MIGRATION_FAILED",
      `migration ${d.name} (${direction}) left a schema other than the one it declares (${diffSchemas(expected, actual).join("; ")}); ` +
        `rolled back, ${path} is unchanged`,
      { details: { path, migration: d.name, direction } },
    );
  }
  const after = direction === "up" ? d : previous?.definition;
  return {
    name: d.name,
    direction,
    protocol: d.protocol,
    level: after?.level ?? 0,
    compatLevel: after?.compatLevel ?? 0,
    durationMs: performance.now() - start,
  };
}

/** A write the disk refused (full, over a size limit, an I/O error): not the migration's fault. */
function refusedByDisk(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_FULL" || (typeof code === "string" && code.startsWith("SQLITE_IOERR"));
}
