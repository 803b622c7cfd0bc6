import type Database from "better-sqlite3";

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Every table of a schema that holds state, bookkeeping excluded (the runner rewrites that). */
export function stateTables(db: Database.Database, schema = "main"): string[] {
  return db
    .prepare(`SELECT name FROM ${q(schema)}.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_state\\_%' ESCAPE '\\' ORDER BY name`)
    .pluck()
    .all() as string[];
}

export function rowCounts(db: Database.Database, schema = "main"): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of stateTables(db, schema)) counts.set(t, db.prepare(`SELECT count(*) FROM ${q(schema)}.${q(t)}`).pluck().get() as number);
  return counts;
}

export interface TableComparison {
  readonly table: string;
  readonly beforeRows: number;
  readonly afterRows: number;
  /** Rows of `before` with no row of the same key in `after`. */
  readonly missing: number;
  /** Rows present in both whose values differ in some column. */
  readonly changed: number;
  /** Rows of `after` with no row of the same key in `before`. */
  readonly extra: number;
}

/**
 * Compares every table of schema `before` with the same table in schema `after` (two databases
 * of one connection, one of them attached), by primary key and column name (column order is
 * irrelevant), entirely inside SQLite. `IS NOT` compares NULLs and BLOBs exactly. A table without
 * a primary key falls back to EXCEPT both ways.
 */
export function compareTables(db: Database.Database, schemas: { before: string; after: string }): TableComparison[] {
  const afterTables = new Set(stateTables(db, schemas.after));
  return stateTables(db, schemas.before).map((table) => compareTable(db, schemas, table, afterTables));
}

/** One table of `compareTables` (`afterTables`: the state tables of schema `after`), so a caller may stop between tables. */
export function compareTable(db: Database.Database, schemas: { before: string; after: string }, table: string, afterTables: ReadonlySet<string>): TableComparison {
  const B = q(schemas.before);
  const A = q(schemas.after);
  const info = db.prepare(`PRAGMA ${B}.table_info(${q(table)})`).all() as { name: string; pk: number }[];
  const beforeRows = db.prepare(`SELECT count(*) FROM ${B}.${q(table)}`).pluck().get() as number;
  if (!afterTables.has(table)) return { table, beforeRows, afterRows: 0, missing: beforeRows, changed: 0, extra: 0 };
  const afterRows = db.prepare(`SELECT count(*) FROM ${A}.${q(table)}`).pluck().get() as number;
  const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const cols = info.map((c) => c.name);
  if (pk.length === 0) {
    const list = cols.map(q).join(", ");
    const missing = db.prepare(`SELECT count(*) FROM (SELECT ${list} FROM ${B}.${q(table)} EXCEPT SELECT ${list} FROM ${A}.${q(table)})`).pluck().get() as number;
    const extra = db.prepare(`SELECT count(*) FROM (SELECT ${list} FROM ${A}.${q(table)} EXCEPT SELECT ${list} FROM ${B}.${q(table)})`).pluck().get() as number;
    return { table, beforeRows, afterRows, missing, changed: 0, extra };
  }
  const on = pk.map((c) => `a.${q(c)} = b.${q(c)}`).join(" AND ");
  const differs = cols.filter((c) => !pk.includes(c)).map((c) => `a.${q(c)} IS NOT b.${q(c)}`).join(" OR ") || "0";
  const firstKey = `a.${q(pk[0] as string)}`;
  const row = db
    .prepare(
      `SELECT coalesce(sum(${firstKey} IS NULL), 0) AS missing, coalesce(sum(${firstKey} IS NOT NULL AND (${differs})), 0) AS changed
         FROM ${B}.${q(table)} b LEFT JOIN ${A}.${q(table)} a ON ${on}`,
    )
    .get() as { missing: number; changed: number };
  // Keys are unique on both sides, so whatever `after` has beyond the matched rows is extra.
  const extra = afterRows - (beforeRows - row.missing);
  return { table, beforeRows, afterRows, missing: row.missing, changed: row.changed, extra };
}
