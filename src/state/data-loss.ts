import type Database from "better-sqlite3";
import { releaseTable } from "../versions/index.js";
import type { MigrationCatalog } from "./migration-catalog.js";
import { BOOKKEEPING_PREFIX, describeSchema, type SchemaDescription } from "./schema-description.js";
import { StateError } from "./state-error.js";

/** A table a `down` drops, with the rows it holds now. */
export interface DroppedTable {
  readonly table: string;
  readonly rows: number;
  /** A storage-journal table: what losing its rows costs is the journal check's (E_STATE_UNFINISHED_JOBS). */
  readonly journal: boolean;
}

/** A column a `down` drops from a table it keeps, with the values it holds now (neither NULL nor the column's default). */
export interface DroppedColumn {
  readonly table: string;
  readonly column: string;
  readonly values: number;
  readonly journal: boolean;
}

/** What a `down` drops, table by table: whole tables and columns of tables the target level keeps. */
export interface DataLoss {
  readonly tables: readonly DroppedTable[];
  readonly columns: readonly DroppedColumn[];
}

/**
 * The storage client's journal. Its rows have their own rule (rollback-loss.ts: work a user has not
 * got back); its other losses (ended jobs, upload_pieces."offset", which no release reads back)
 * are reported here but need no acceptance: the older release resumes every job without them.
 */
const JOURNAL_TABLES: ReadonlySet<string> = new Set(["upload_jobs", "upload_pieces", "download_jobs", "download_pieces", "availability"]);

/**
 * Tables an `up` fills with data it moves aside, which the `down` that drops them puts back
 * (0003's thumbnails): their rows are restored, not lost. Migrations keep to this prefix.
 */
const RETIRED_PREFIX = "_retired_";

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Every table and column the file has now that `target` has not, with how much each holds (zero
 * included). Read inside the run's write transaction, so the counts are those the run drops. A
 * value equal to its column's default carries nothing the older level lacks (a description
 * received over Waku, where level 1 has only Waku).
 */
export function dataLoss(db: Database.Database, target: SchemaDescription): DataLoss {
  const now = describeSchema(db);
  const kept = new Map(target.tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const tables: DroppedTable[] = [];
  const columns: DroppedColumn[] = [];
  for (const table of now.tables) {
    if (table.name.startsWith(RETIRED_PREFIX) || table.name.startsWith(BOOKKEEPING_PREFIX)) continue;
    const journal = JOURNAL_TABLES.has(table.name);
    const keptColumns = kept.get(table.name);
    if (keptColumns === undefined) {
      tables.push({ table: table.name, rows: count(`SELECT count(*) FROM ${quote(table.name)}`), journal });
      continue;
    }
    for (const column of table.columns) {
      if (keptColumns.has(column.name)) continue;
      const c = quote(column.name);
      // The default is this file's own schema's (checked against its level before the run).
      const meaningful = column.default === null ? `${c} IS NOT NULL` : `${c} IS NOT NULL AND ${c} IS NOT (${column.default})`;
      columns.push({ table: table.name, column: column.name, values: count(`SELECT count(*) FROM ${quote(table.name)} WHERE ${meaningful}`), journal });
    }
  }
  return { tables, columns };
}

/** Only the entries that hold something; undefined when none does. */
export function nonEmpty(loss: DataLoss): DataLoss | undefined {
  const tables = loss.tables.filter((t) => t.rows > 0);
  const columns = loss.columns.filter((c) => c.values > 0);
  return tables.length + columns.length === 0 ? undefined : { tables, columns };
}

/** The part a `down` may only drop on request: data outside the storage journal. */
export function needsConsent(loss: DataLoss): DataLoss | undefined {
  return nonEmpty({ tables: loss.tables.filter((t) => !t.journal), columns: loss.columns.filter((c) => !c.journal) });
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
}

/** "file_references: 48 rows, cd_pointers.supersedes_cid: 4 values" (zero counts as "empty"). */
export function describeDataLoss(loss: DataLoss): string {
  const parts = [
    ...loss.tables.map((t) => `${t.table}: ${t.rows === 0 ? "empty" : plural(t.rows, "row")}`),
    ...loss.columns.map((c) => `${c.table}.${c.column}: ${c.values === 0 ? "empty" : plural(c.values, "value")}`),
  ];
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

function releasesAt(level: number): string {
  const names = releaseTable.rows.filter((r) => r.stateLevel === level).map((r) => r.release);
  return names.length === 0 ? `level-${level} code` : `release ${names.join(", ")}`;
}

/**
 * The refusal of a down that would drop `loss` (data outside the journal), saying how to proceed:
 * reinstall the older release without going down that far (when it opens a level in between that
 * keeps the data), or accept the loss explicitly.
 */
export function dataLossError(db: Database.Database, path: string, catalog: MigrationCatalog, levels: { readonly level: number; readonly targetLevel: number }, loss: DataLoss): StateError {
  const { level, targetLevel } = levels;
  let enough: string | undefined;
  for (let l = level; l > targetLevel && targetLevel > 0; l--) {
    if (catalog.compatLevelAt(l) > targetLevel) continue;
    if (l < level && needsConsent(dataLoss(db, catalog.schemaAtLevel(l))) !== undefined) continue;
    const opens = `${releasesAt(targetLevel)} opens a level-${l} file (compat level ${catalog.compatLevelAt(l)})`;
    enough =
      l === level
        ? `${opens} as it is, so reinstalling it needs no down at all`
        : `${opens}: \`migrate down --to ${catalog.lastOfLevel(l)?.definition.name ?? l}\` is all it needs and keeps that data`;
    break;
  }
  const what = targetLevel === 0 ? "an empty file" : `level ${targetLevel}`;
  return new StateError(
    "E_STATE_DATA_LOSS",
    `going down from level ${level} to ${what}, ${path} would drop data that level has no place for: ${describeDataLoss(loss)}; nothing was changed. ` +
      `To proceed: ${[...(enough === undefined ? [] : [enough]), "accept the loss: `--discard-data` (migrateState's `discardData: true`)"].join("; or ")}`,
    { details: { path, level, targetLevel, tables: loss.tables, columns: loss.columns } },
  );
}
