import type Database from "better-sqlite3";

export type Dump = Record<string, Record<string, unknown>[]>;

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Every state table (bookkeeping excluded), rows ordered by primary key, columns by name, blobs as hex. */
export function dumpState(db: Database.Database, options: { includeRetired?: boolean } = {}): Dump {
  const tables = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_state\\_%' ESCAPE '\\' ORDER BY name`)
    .pluck()
    .all() as string[];
  const dump: Dump = {};
  for (const table of tables) {
    if (options.includeRetired === false && table.startsWith("_retired_")) continue;
    const info = db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string; pk: number }[];
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => q(c.name));
    const cols = info.map((c) => c.name).sort();
    const rows = db.prepare(`SELECT ${cols.map(q).join(", ")} FROM ${q(table)} ORDER BY ${pk.length > 0 ? pk.join(", ") : "rowid"}`).all() as Record<string, unknown>[];
    dump[table] = rows.map((r) => Object.fromEntries(cols.map((c) => [c, Buffer.isBuffer(r[c]) ? `x'${(r[c] as Buffer).toString("hex")}'` : r[c]])));
  }
  return dump;
}

/** The dump restricted to the given table -> columns (what an older level can see). */
export function project(dump: Dump, columns: Record<string, readonly string[]>): Dump {
  const out: Dump = {};
  for (const [table, cols] of Object.entries(columns)) {
    out[table] = (dump[table] ?? []).map((r) => Object.fromEntries(cols.map((c) => [c, r[c]])));
  }
  return out;
}

export function rowCount(db: Database.Database, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${q(table)}`).pluck().get() as number;
}
