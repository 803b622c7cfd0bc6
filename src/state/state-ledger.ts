import type Database from "better-sqlite3";
import type { CatalogEntry } from "./migration-catalog.js";
import type { SchemaDescription } from "./schema-description.js";

/**
 * The runner's bookkeeping inside the state file: one row per applied migration (the log umzug
 * reads through its storage adapter) and one row saying where the file stands. Both are written
 * in the same transaction as the migration they describe.
 *
 * `_state_version.schema` keeps the JSON description of the schema at the current level so that
 * code which does not know that level (an older release on a newer file) can still tell a clean
 * file from a half-edited one, and say what differs.
 */
export const LEDGER_FORMAT = 1;

const CREATE_LEDGER = [
  `CREATE TABLE IF NOT EXISTS _state_migrations (
     seq INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     protocol INTEGER NOT NULL,
     level INTEGER NOT NULL,
     compat_level INTEGER NOT NULL,
     checksum TEXT NOT NULL,
     schema_fingerprint TEXT NOT NULL,
     applied_at INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL
   ) STRICT`,
  `CREATE TABLE IF NOT EXISTS _state_version (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     format INTEGER NOT NULL,
     level INTEGER NOT NULL,
     compat_level INTEGER NOT NULL,
     schema_fingerprint TEXT NOT NULL,
     schema TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT`,
];

export interface AppliedMigration {
  readonly seq: number;
  readonly name: string;
  readonly protocol: number;
  readonly level: number;
  readonly compatLevel: number;
  readonly checksum: string;
  readonly schemaFingerprint: string;
  readonly appliedAt: number;
  readonly durationMs: number;
}

export interface VersionRow {
  readonly format: number;
  readonly level: number;
  readonly compatLevel: number;
  readonly schemaFingerprint: string;
  /**
   * The recorded schema description's text; "" when the column holds no text (NULL, a number, a
   * blob: possible only in a version table rebuilt by hand without STRICT) or more than
   * MAX_RECORDED_SCHEMA_CHARS characters, which are not read into memory. `schemaType` and
   * `schemaLength` say what it held (SQLite's typeof and length).
   */
  readonly schema: string;
  readonly schemaType: string;
  readonly schemaLength: number;
  readonly updatedAt: number;
}

/**
 * The longest recorded schema description read. The releases so far write 2.5 to 9.4 KiB (levels 1
 * to 3); a hundred times that leaves room for any schema a release will ship, and a row holding
 * megabytes (a hand edit, a damaged file) is judged by its length without loading it.
 */
export const MAX_RECORDED_SCHEMA_CHARS = 1024 * 1024;

export type LedgerRead =
  /** No tables at all: a new file. */
  | { readonly kind: "empty" }
  /** Tables, but none of ours: somebody else's database. */
  | { readonly kind: "foreign"; readonly tables: readonly string[] }
  /**
   * Ours, possibly damaged (`version` undefined when the version row is gone; `missingColumn`
   * names a column of the bookkeeping the runner reads and the file lacks, and then nothing
   * else is read).
   */
  | {
      readonly kind: "ledger";
      readonly version: VersionRow | undefined;
      readonly applied: readonly AppliedMigration[];
      readonly userVersion: number;
      readonly missingColumn?: { readonly table: string; readonly column: string };
    };

/** The columns readLedger selects, table by table. */
const READ_COLUMNS = {
  _state_migrations: ["seq", "name", "protocol", "level", "compat_level", "checksum", "schema_fingerprint", "applied_at", "duration_ms"],
  _state_version: ["id", "format", "level", "compat_level", "schema_fingerprint", "schema", "updated_at"],
} as const;

/** A column readLedger selects that the file's bookkeeping tables lack (a SELECT of it fails with SQLite's 'no such column'). */
function missingColumn(db: Database.Database, present: readonly string[]): { table: string; column: string } | undefined {
  for (const [table, columns] of Object.entries(READ_COLUMNS)) {
    if (!present.includes(table)) continue;
    // Of main only: unqualified, it reads the schema of every attached database too, and a reader
    // holding a transaction (the rehearsal's snapshot, with its work copy attached) then keeps a
    // lock on each of them.
    const have = new Set(db.prepare(`SELECT name FROM pragma_table_info(?, 'main')`).pluck().all(table) as string[]);
    const column = columns.find((c) => !have.has(c));
    if (column !== undefined) return { table, column };
  }
  return undefined;
}

export function readLedger(db: Database.Database): LedgerRead {
  const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).pluck().all() as string[]);
  if (tables.length === 0) return { kind: "empty" };
  const hasLog = tables.includes("_state_migrations");
  const hasVersion = tables.includes("_state_version");
  if (!hasLog && !hasVersion) return { kind: "foreign", tables };
  const userVersion = db.pragma("user_version", { simple: true }) as number;
  const missing = missingColumn(db, tables);
  if (missing !== undefined) return { kind: "ledger", version: undefined, applied: [], userVersion, missingColumn: missing };
  const applied = hasLog
    ? (db
        .prepare(
          `SELECT seq, name, protocol, level, compat_level AS compatLevel, checksum, schema_fingerprint AS schemaFingerprint,
                  applied_at AS appliedAt, duration_ms AS durationMs
             FROM _state_migrations ORDER BY seq`,
        )
        .all() as AppliedMigration[])
    : [];
  const version = hasVersion
    ? (db
        .prepare(
          `SELECT format, level, compat_level AS compatLevel, schema_fingerprint AS schemaFingerprint,
                  CASE WHEN typeof(schema) = 'text' AND length(schema) <= ? THEN schema ELSE '' END AS schema,
                  typeof(schema) AS schemaType, coalesce(length(schema), 0) AS schemaLength, updated_at AS updatedAt
             FROM _state_version WHERE id = 1`,
        )
        .get(MAX_RECORDED_SCHEMA_CHARS) as VersionRow | undefined)
    : undefined;
  return { kind: "ledger", version, applied, userVersion };
}

export function createLedger(db: Database.Database): void {
  for (const sql of CREATE_LEDGER) db.exec(sql);
}

/**
 * Where the file stands once the run's transaction commits: the version row and the header's
 * user_version for the state after `entry` (undefined: level 0, the ledger is dropped instead, by
 * `dropLedger` at the end of the run).
 *
 * The runner writes this at the start of its transaction and the log rows at its end. A big
 * rewrite spills pages to the WAL before the commit; a page written again afterwards (a freelist
 * page the rewrite built, taken for this row's overflow pages; the log page, had each migration
 * written its row as it went) has its frame overwritten, and SQLite then re-checksums every frame
 * after it at commit: 0.12 to 0.15 s on a 500 MiB upgrade, measured. Nobody sees either before the
 * commit, so the file is the same.
 */
export function recordLevel(db: Database.Database, entry: CatalogEntry | undefined, now: number): void {
  if (entry === undefined) return;
  const d = entry.definition;
  writeVersion(db, d.level, d.compatLevel, entry.fingerprintAfter, entry.schemaAfter, now);
}

/** The log row of an applied migration; written at the end of the run, in its transaction. */
export function recordApplied(db: Database.Database, entry: CatalogEntry, now: number, durationMs: number): void {
  const d = entry.definition;
  db.prepare(
    `INSERT INTO _state_migrations (name, protocol, level, compat_level, checksum, schema_fingerprint, applied_at, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(d.name, d.protocol, d.level, d.compatLevel, entry.checksum, entry.fingerprintAfter, now, Math.round(durationMs));
}

/** Removes a reverted migration's log row; in the run's transaction. */
export function recordReverted(db: Database.Database, entry: CatalogEntry): void {
  db.prepare(`DELETE FROM _state_migrations WHERE name = ?`).run(entry.definition.name);
}

/** Everything reverted: the file is empty again, without bookkeeping, at user_version 0. */
export function dropLedger(db: Database.Database): void {
  db.exec(`DROP TABLE _state_migrations`);
  db.exec(`DROP TABLE _state_version`);
  db.pragma("user_version = 0");
}

function writeVersion(
  db: Database.Database,
  level: number,
  compatLevel: number,
  fingerprint: string,
  schema: SchemaDescription,
  now: number,
): void {
  db.prepare(
    `INSERT INTO _state_version (id, format, level, compat_level, schema_fingerprint, schema, updated_at)
     VALUES (1, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET format = excluded.format, level = excluded.level, compat_level = excluded.compat_level,
       schema_fingerprint = excluded.schema_fingerprint, schema = excluded.schema, updated_at = excluded.updated_at`,
  ).run(LEDGER_FORMAT, level, compatLevel, fingerprint, JSON.stringify(schema), now);
  // The header's user_version mirrors the level for tools that only read the header.
  db.pragma(`user_version = ${Number(level)}`);
}
