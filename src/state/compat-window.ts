import type { SchemaDescription } from "./schema-description.js";

/**
 * Why code written for `older` could fail on a file with schema `newer`; empty when the change
 * is additive. This is the rule that lets release N keep running on a file release N+1 has
 * upgraded: nothing N reads or writes disappears, changes type, or starts rejecting its inserts.
 *
 * Checked statically for every level against every older level its compat level admits, so a
 * migration that removes something too early fails at load time, not on a user's phone.
 * Columns the older level has declared retired (see `MigrationDefinition.retires`) may go.
 * CHECK constraints are not visible through SQLite's pragmas and are not compared.
 */
export function nonAdditiveChanges(
  older: SchemaDescription,
  newer: SchemaDescription,
  /** `table` or `table.column` that code at the older level no longer uses. */
  retiredByOlder: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  const newTables = new Map(newer.tables.map((t) => [t.name, t]));
  for (const old of older.tables) {
    const now = newTables.get(old.name);
    if (retiredByOlder.has(old.name)) continue;
    if (now === undefined) {
      problems.push(`table ${old.name} removed`);
      continue;
    }
    if (old.strict !== now.strict || old.withoutRowid !== now.withoutRowid) problems.push(`table ${old.name}: options changed`);
    const nowCols = new Map(now.columns.map((c) => [c.name, c]));
    for (const col of old.columns) {
      const c = nowCols.get(col.name);
      if (c === undefined && retiredByOlder.has(`${old.name}.${col.name}`)) continue;
      if (c === undefined) problems.push(`table ${old.name}: column ${col.name} removed`);
      else {
        if (c.type !== col.type) problems.push(`table ${old.name}: column ${col.name} type ${col.type} -> ${c.type}`);
        if (c.notNull && !col.notNull) problems.push(`table ${old.name}: column ${col.name} became NOT NULL`);
        if (c.default !== col.default) problems.push(`table ${old.name}: column ${col.name} default changed`);
        if (c.pk !== col.pk) problems.push(`table ${old.name}: column ${col.name} primary key changed`);
      }
    }
    const oldColNames = new Set(old.columns.map((c) => c.name));
    for (const c of now.columns) {
      if (!oldColNames.has(c.name) && c.notNull && c.default === null) {
        problems.push(`table ${old.name}: new column ${c.name} is NOT NULL without a default (older inserts would fail)`);
      }
    }
    const key = (i: { unique: boolean; columns: readonly string[] }): string => `${i.unique}:${i.columns.join(",")}`;
    const oldUnique = new Set(old.indexes.filter((i) => i.unique).map(key));
    const nowUnique = new Set(now.indexes.filter((i) => i.unique).map(key));
    for (const k of nowUnique) if (!oldUnique.has(k)) problems.push(`table ${old.name}: new unique index on (${k.slice(5)})`);
    for (const k of oldUnique) if (!nowUnique.has(k)) problems.push(`table ${old.name}: unique index on (${k.slice(5)}) removed`);
    const oldFks = new Set(old.foreignKeys.map((f) => JSON.stringify(f)));
    for (const fk of now.foreignKeys) {
      if (!oldFks.has(JSON.stringify(fk)) && fk.from.some((c) => oldColNames.has(c))) {
        problems.push(`table ${old.name}: new foreign key on existing column(s) ${fk.from.join(",")}`);
      }
    }
  }
  return problems;
}
