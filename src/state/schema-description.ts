import { createHash } from "node:crypto";
import type Database from "better-sqlite3";

/**
 * What a file's schema is, as far as queries can tell: tables, their columns (by name; order is
 * ignored because queries name their columns), foreign keys, indexes, views and triggers.
 * SQLite's own `sqlite_%` tables and the runner's `_state_%` bookkeeping are left out.
 */
export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  /** The DEFAULT expression as SQLite stores it, or null. */
  readonly default: string | null;
  /** Position in the primary key (1-based), 0 when not part of it. */
  readonly pk: number;
}

export interface IndexDescription {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
}

export interface ForeignKeyDescription {
  readonly table: string;
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly onDelete: string;
  readonly onUpdate: string;
}

export interface TableDescription {
  readonly name: string;
  readonly strict: boolean;
  readonly withoutRowid: boolean;
  readonly columns: readonly ColumnDescription[];
  readonly foreignKeys: readonly ForeignKeyDescription[];
  readonly indexes: readonly IndexDescription[];
}

export interface SchemaDescription {
  readonly tables: readonly TableDescription[];
  /** Views and triggers by name, with their SQL squeezed to single spaces. */
  readonly others: readonly { readonly type: string; readonly name: string; readonly sql: string }[];
}

export const BOOKKEEPING_PREFIX = "_state_";

function isUserObject(name: string): boolean {
  return !name.startsWith("sqlite_") && !name.startsWith(BOOKKEEPING_PREFIX);
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface TableListRow {
  name: string;
  type: string;
  wr: number;
  strict: number;
  schema: string;
}

export function describeSchema(db: Database.Database, schema = "main"): SchemaDescription {
  const tableRows = (db.prepare(`PRAGMA ${quoteIdent(schema)}.table_list`).all() as TableListRow[]).filter(
    (t) => t.type === "table" && t.schema === schema && isUserObject(t.name),
  );
  const tables: TableDescription[] = tableRows.map((t) => describeTable(db, schema, t));
  tables.sort(byName);
  const others = (
    db
      .prepare(`SELECT type, name, sql FROM ${quoteIdent(schema)}.sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY name`)
      .all() as { type: string; name: string; sql: string | null }[]
  )
    .filter((o) => isUserObject(o.name))
    .map((o) => ({ type: o.type, name: o.name, sql: (o.sql ?? "").replace(/\s+/g, " ").trim() }));
  return { tables, others };
}

function describeTable(db: Database.Database, schema: string, t: TableListRow): TableDescription {
  const s = quoteIdent(schema);
  const table = quoteIdent(t.name);
  const columns = (
    db.prepare(`PRAGMA ${s}.table_xinfo(${table})`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[]
  )
    .filter((c) => c.hidden === 0)
    .map((c) => ({ name: c.name, type: c.type.toUpperCase(), notNull: c.notnull === 1, default: c.dflt_value, pk: c.pk }))
    .sort(byName);

  const fkRows = db.prepare(`PRAGMA ${s}.foreign_key_list(${table})`).all() as {
    id: number;
    seq: number;
    table: string;
    from: string;
    to: string | null;
    on_update: string;
    on_delete: string;
  }[];
  const fkById = new Map<number, { table: string; from: string[]; to: string[]; onDelete: string; onUpdate: string }>();
  for (const r of fkRows.sort((a, b) => a.id - b.id || a.seq - b.seq)) {
    const fk = fkById.get(r.id) ?? { table: r.table, from: [], to: [], onDelete: r.on_delete, onUpdate: r.on_update };
    fk.from.push(r.from);
    fk.to.push(r.to ?? "");
    fkById.set(r.id, fk);
  }
  const foreignKeys = [...fkById.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

  const indexes = (
    db.prepare(`PRAGMA ${s}.index_list(${table})`).all() as { name: string; unique: number; origin: string }[]
  )
    .map((ix) => ({
      // Automatic indexes get names like sqlite_autoindex_t_1 that depend on declaration order;
      // describe them by what they index instead.
      name: ix.origin === "c" ? ix.name : `(${ix.origin})`,
      unique: ix.unique === 1,
      columns: (db.prepare(`PRAGMA ${s}.index_info(${quoteIdent(ix.name)})`).all() as { seqno: number; name: string | null }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name ?? "<expr>"),
    }))
    .sort((a, b) => (a.name + a.columns.join(",") < b.name + b.columns.join(",") ? -1 : 1));

  return { name: t.name, strict: t.strict === 1, withoutRowid: t.wr === 1, columns, foreignKeys, indexes };
}

/** sha256 of the canonical description: equal schemas, equal fingerprints. */
export function schemaFingerprint(description: SchemaDescription): string {
  return fingerprintOfText(JSON.stringify(description));
}

/** The fingerprint of a description's JSON text as recorded (`_state_version.schema`): its sha256, hex. */
export function fingerprintOfText(json: string): string {
  return createHash("sha256").update(json, "utf8").digest("hex");
}

/** What differs, in words a person can act on (`table peers: column seen_at missing`). */
export function diffSchemas(expected: SchemaDescription, actual: SchemaDescription): string[] {
  const out: string[] = [];
  const expTables = new Map(expected.tables.map((t) => [t.name, t]));
  const actTables = new Map(actual.tables.map((t) => [t.name, t]));
  for (const [name, exp] of expTables) {
    const act = actTables.get(name);
    if (act === undefined) {
      out.push(`table ${name} missing`);
      continue;
    }
    const expCols = new Map(exp.columns.map((c) => [c.name, c]));
    const actCols = new Map(act.columns.map((c) => [c.name, c]));
    for (const [col, c] of expCols) {
      const a = actCols.get(col);
      if (a === undefined) out.push(`table ${name}: column ${col} missing`);
      else if (JSON.stringify(a) !== JSON.stringify(c)) out.push(`table ${name}: column ${col} differs`);
    }
    for (const col of actCols.keys()) if (!expCols.has(col)) out.push(`table ${name}: unexpected column ${col}`);
    if (JSON.stringify(exp.indexes) !== JSON.stringify(act.indexes)) out.push(`table ${name}: indexes differ`);
    if (JSON.stringify(exp.foreignKeys) !== JSON.stringify(act.foreignKeys)) out.push(`table ${name}: foreign keys differ`);
    if (exp.strict !== act.strict || exp.withoutRowid !== act.withoutRowid) out.push(`table ${name}: table options differ`);
  }
  for (const name of actTables.keys()) if (!expTables.has(name)) out.push(`unexpected table ${name}`);
  const expOthers = new Map(expected.others.map((o) => [o.name, o]));
  const actOthers = new Map(actual.others.map((o) => [o.name, o]));
  for (const [name, o] of expOthers) {
    const a = actOthers.get(name);
    if (a === undefined) out.push(`${o.type} ${name} missing`);
    else if (a.sql !== o.sql) out.push(`${o.type} ${name} differs`);
  }
  for (const [name, o] of actOthers) if (!expOthers.has(name)) out.push(`unexpected ${o.type} ${name}`);
  return out;
}
