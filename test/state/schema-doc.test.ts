import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { describeSchema, openState, shippedCatalog, type SchemaDescription } from "../../src/state/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * docs/state-schema.md is the contract the people who embed the library write their queries
 * against: every level's tables, columns (type, NOT NULL, default, key), foreign keys and
 * indexes must be what openState really creates at that level. The page is read the way a person
 * reads it: level by level, each level's "Adds" rows on top of the level before, `+` rows adding
 * columns to a table, a "Removes `table.column`" line taking one away.
 */

interface Column {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly default: string | null;
}

interface ForeignKey {
  readonly from: string;
  readonly table: string;
  readonly to: string;
  readonly onDelete: string;
}

interface Table {
  readonly name: string;
  readonly strict: boolean;
  readonly columns: Column[];
  readonly primaryKey: string[];
  readonly foreignKeys: ForeignKey[];
  readonly indexes: string[];
}

interface DocLevel {
  readonly level: number;
  readonly release: string;
  readonly compatLevel: number;
  readonly tables: Table[];
}

const COLUMN = /^(\+ )?`([a-z0-9_]+) (TEXT|INTEGER|BLOB|REAL)((?: PK| NOT NULL| DEFAULT (?:'[^']*'|-?\d+))*)`/;
const FOREIGN_KEY = /^FK→`([a-z0-9_]+)\(([a-z0-9_]+)\)` ON DELETE (CASCADE|SET NULL|RESTRICT|NO ACTION)/;
const COMPOSITE_PK = /^PK\(((?:`[a-z0-9_]+`,?)+)\)/;
const INDEX = /`([a-z0-9_]+) \(([a-z0-9_, ]+)\)`/g;

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One `| table | columns | … |` row: the table, whether it only adds columns, and its columns as the page states them. */
function parseRow(line: string, where: string): { table: string; adds: boolean; columns: Column[]; primaryKey: string[]; foreignKeys: ForeignKey[] } {
  const cells = line.split("|").map((c) => c.trim());
  const table = /^`([a-z0-9_]+)`$/.exec(cells[1] ?? "")?.[1];
  if (table === undefined) throw new Error(`${where}: cannot read the table name of: ${line}`);
  const cell = cells[2] ?? "";
  const columns: Column[] = [];
  const primaryKey: string[] = [];
  const foreignKeys: ForeignKey[] = [];
  let adds: boolean | undefined;
  // The cell is a comma-separated list at the top level; commas inside parentheses (CHECK lists, notes) are not separators.
  let depth = 0;
  let start = 0;
  const items: string[] = [];
  for (let i = 0; i <= cell.length; i++) {
    const ch = cell[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if ((ch === "," && depth === 0) || ch === undefined) {
      items.push(cell.slice(start, i).trim());
      start = i + 1;
    }
  }
  for (const item of items) {
    const composite = COMPOSITE_PK.exec(item);
    if (composite !== null) {
      primaryKey.push(...[...(composite[1] as string).matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1] as string));
      continue;
    }
    const col = COLUMN.exec(item);
    if (col === null) throw new Error(`${where}: table ${table}: cannot read the column "${item}"`);
    const plus = col[1] !== undefined;
    if (adds !== undefined && adds !== plus) throw new Error(`${where}: table ${table} mixes added (+) and new columns`);
    adds = plus;
    const mods = col[4] ?? "";
    const name = col[2] as string;
    const isPk = / PK\b/.test(mods);
    if (isPk) primaryKey.push(name);
    const def = / DEFAULT ('[^']*'|-?\d+)/.exec(mods)?.[1] ?? null;
    // "every primary key column is NOT NULL" (the page's preamble)
    columns.push({ name, type: col[3] as string, notNull: isPk || / NOT NULL/.test(mods), default: def });
    const rest = item.slice(col[0].length).trim();
    const fk = FOREIGN_KEY.exec(rest);
    if (fk !== null) foreignKeys.push({ from: name, table: fk[1] as string, to: fk[2] as string, onDelete: fk[3] as string });
    else if (rest.startsWith("FK")) throw new Error(`${where}: table ${table}: cannot read the foreign key "${rest}"`);
  }
  // A composite key's columns are NOT NULL too.
  const keyed = columns.map((c) => (primaryKey.includes(c.name) ? { ...c, notNull: true } : c));
  return { table, adds: adds ?? false, columns: keyed, primaryKey, foreignKeys };
}

/** Every level of the page, each the full schema (earlier levels' tables included) as the page states it. */
function parseSchemaDoc(markdown: string): DocLevel[] {
  const sections = markdown.split(/^## /m).slice(1);
  const levels: DocLevel[] = [];
  let current = new Map<string, Table>();
  for (const section of sections) {
    const head = /^Level (\d+) — release (\S+) \(([^)]*)\)\n/.exec(section);
    if (head === null) continue;
    const level = Number(head[1]);
    const where = `docs/state-schema.md level ${level}`;
    const compat = /compat level (?:stays )?(\d+)/.exec(head[3] as string);
    const tables = new Map([...current].map(([k, t]) => [k, { ...t, columns: [...t.columns], primaryKey: [...t.primaryKey], foreignKeys: [...t.foreignKeys], indexes: [...t.indexes] }]));
    for (const line of section.split("\n")) {
      if (!line.startsWith("| `")) continue;
      const row = parseRow(line, where);
      const existing = tables.get(row.table);
      if (row.adds) {
        if (existing === undefined) throw new Error(`${where}: adds columns to ${row.table}, which no earlier level has`);
        existing.columns.push(...row.columns);
        existing.foreignKeys.push(...row.foreignKeys);
      } else {
        if (existing !== undefined) throw new Error(`${where}: lists ${row.table} as new, but an earlier level has it (write its columns as + rows)`);
        tables.set(row.table, { name: row.table, strict: true, columns: row.columns, primaryKey: row.primaryKey, foreignKeys: row.foreignKeys, indexes: [] });
      }
    }
    for (const m of section.matchAll(/^Removes `([a-z0-9_]+)\.([a-z0-9_]+)`/gm)) {
      const t = tables.get(m[1] as string);
      const before = t?.columns.length;
      if (t === undefined || before === undefined) throw new Error(`${where}: removes a column of ${m[1]}, which it does not have`);
      t.columns.splice(0, t.columns.length, ...t.columns.filter((c) => c.name !== m[2]));
      if (t.columns.length === before) throw new Error(`${where}: removes ${m[1]}.${m[2]}, which it does not have`);
    }
    // The list may wrap over several lines; it ends at the paragraph's end.
    const indexes = /^Indexes: ([\s\S]*?)(?:\n\n|\n?$(?![\s\S]))/m.exec(section)?.[1] ?? "";
    for (const m of indexes.matchAll(INDEX)) {
      const columns = (m[2] as string).split(",").map((c) => c.trim());
      const owner = [...tables.values()].find((t) => columns.every((c) => t.columns.some((col) => col.name === c)) && (m[1] as string).startsWith(t.name));
      if (owner === undefined) throw new Error(`${where}: index ${m[1]} names no table of this level`);
      owner.indexes.push(`${m[1]} (${columns.join(", ")})`);
    }
    current = tables;
    levels.push({ level, release: head[2] as string, compatLevel: compat === null ? 1 : Number(compat[1]), tables: normalized([...tables.values()]) });
  }
  return levels;
}

function normalized(tables: Table[]): Table[] {
  return tables
    .map((t) => ({
      ...t,
      columns: [...t.columns].sort(byName),
      foreignKeys: [...t.foreignKeys].sort((a, b) => (a.from < b.from ? -1 : 1)),
      indexes: [...t.indexes].sort(),
    }))
    .sort(byName);
}

/** The same shape, from the schema SQLite reports for a real file. */
function fromDescription(schema: SchemaDescription): Table[] {
  return normalized(
    schema.tables.map((t) => ({
      name: t.name,
      strict: t.strict,
      // An INTEGER PRIMARY KEY (the rowid) never holds NULL, though SQLite reports it without NOT NULL.
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull || c.pk > 0, default: c.default })),
      primaryKey: t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      foreignKeys: t.foreignKeys.flatMap((fk) => fk.from.map((from, i) => ({ from, table: fk.table, to: fk.to[i] ?? "", onDelete: fk.onDelete }))),
      indexes: t.indexes.filter((i) => !i.name.startsWith("(")).map((i) => `${i.name} (${i.columns.join(", ")})`),
    })),
  );
}

const DOC = readFileSync(join(PROJECT_ROOT, "docs", "state-schema.md"), "utf8");

describe("docs/state-schema.md is the schema each level really creates", () => {
  test("it has one section per level this build knows, each naming that level's release and compat level", async () => {
    const catalog = shippedCatalog();
    const doc = parseSchemaDoc(DOC);
    expect(doc.map((l) => l.level)).toEqual(Array.from({ length: catalog.maxLevel }, (_, i) => i + 1));
    for (const l of doc) {
      expect(releaseTable.rows.find((r) => r.release === l.release)?.stateLevel, `level ${l.level}`).toBe(l.level);
      expect(catalog.compatLevelAt(l.level), `level ${l.level}'s compat level`).toBe(l.compatLevel);
    }
  });

  test("every level's tables, columns, keys, foreign keys and indexes as the page lists them, every table STRICT", async () => {
    const dir = tempDir();
    for (const l of parseSchemaDoc(DOC)) {
      const h = await openState({ path: join(dir, `level${l.level}.db`), level: l.level });
      try {
        expect(h.compatLevel, `level ${l.level}`).toBe(l.compatLevel);
        expect(fromDescription(describeSchema(h.db)), `docs/state-schema.md level ${l.level}`).toEqual(l.tables);
      } finally {
        h.close();
      }
    }
  });

  test("the comparison sees a drift: a column's NOT NULL, a default, a table or an index the page gets wrong", async () => {
    const dir = tempDir();
    const h = await openState({ path: join(dir, "level3.db"), level: 3 });
    let actual: Table[];
    try {
      actual = fromDescription(describeSchema(h.db));
    } finally {
      h.close();
    }
    const drifted = [
      DOC.replace("`value TEXT NOT NULL`", "`value TEXT`"),
      DOC.replace("DEFAULT 1`", "DEFAULT 0`"),
      DOC.replace("| `file_references` | + `expires_at INTEGER` |\n", ""),
      DOC.replace("`availability_by_expires (expires_at)`", "`availability_by_expires (uploaded_at)`"),
      DOC.replace("FK→`upload_jobs(id)` ON DELETE CASCADE", ""),
    ];
    for (const text of drifted) {
      expect(text).not.toBe(DOC);
      expect(parseSchemaDoc(text).at(-1)?.tables).not.toEqual(actual);
    }
  });
});
