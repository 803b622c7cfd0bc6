import type Database from "better-sqlite3";
import type { CatalogEntry, MigrationCatalog } from "./migration-catalog.js";
import { describeSchema, diffSchemas, fingerprintOfText, schemaFingerprint, type SchemaDescription } from "./schema-description.js";
import { StateError } from "./state-error.js";
import { LEDGER_FORMAT, MAX_RECORDED_SCHEMA_CHARS, readLedger, type AppliedMigration, type VersionRow } from "./state-ledger.js";

/** Where a file stands, once its history and schema have been checked against this build. */
export interface StateAssessment {
  /** 0 for a new (empty) file. */
  readonly level: number;
  /** 0 for a new file. */
  readonly compatLevel: number;
  readonly applied: readonly AppliedMigration[];
  /** The last applied migration this build knows; undefined for a new file. */
  readonly lastKnown: CatalogEntry | undefined;
  /** Applied migrations from levels newer than this build (allowed while the compat level admits us). */
  readonly future: readonly AppliedMigration[];
  /** Migrations of this build not applied yet, in order (empty when the file is ahead). */
  readonly pending: readonly CatalogEntry[];
  readonly schemaFingerprint: string;
}

/**
 * Reads the ledger and the actual schema and refuses anything that is not a clean, known state:
 * someone else's database, an edited, missing or out-of-order migration, a schema that does not
 * match its recorded level (half-applied, or edited by hand). Never writes.
 *
 * Call inside one read transaction so the ledger and schema come from the same snapshot.
 */
export function assessState(db: Database.Database, catalog: MigrationCatalog, path: string): StateAssessment {
  const ledger = readLedger(db);
  if (ledger.kind === "empty") {
    return { level: 0, compatLevel: 0, applied: [], lastKnown: undefined, future: [], pending: catalog.entries, schemaFingerprint: schemaFingerprint(describeSchema(db)) };
  }
  if (ledger.kind === "foreign") {
    throw new StateError(
      "E_STATE_UNRECOGNIZED",
      `${path} is an SQLite database but not a status-compat state database (tables: ${ledger.tables.slice(0, 5).join(", ")}${ledger.tables.length > 5 ? ", …" : ""}); ` +
        "give the path of the client's state database file, or a new path",
      { details: { path } },
    );
  }
  if (ledger.missingColumn !== undefined) {
    const { table, column } = ledger.missingColumn;
    throw dirty(path, `its bookkeeping table ${table} has no column ${column}`, []);
  }
  const { version, applied, userVersion } = ledger;
  if (version === undefined || applied.length === 0) {
    throw dirty(path, "its bookkeeping is incomplete (version row or migration log missing)", []);
  }
  // The format is what lets a build lay the bookkeeping out otherwise: the builds before it must
  // not read, migrate and rewrite as format 1 what they cannot understand.
  if (version.format > LEDGER_FORMAT) {
    throw new StateError(
      "E_STATE_FROM_FUTURE",
      `${path} cannot be used by this build: its bookkeeping is in format ${version.format}; this build reads format ${LEDGER_FORMAT}: a newer build wrote it ` +
        `(level ${version.level}). Update the app, or roll the file back with that build (\`status-compat migrate down\`). The file was not touched.`,
      { details: { path, format: version.format, knownFormat: LEDGER_FORMAT, level: version.level } },
    );
  }
  if (version.format !== LEDGER_FORMAT) throw dirty(path, `its bookkeeping says format ${version.format}, which no build writes`, []);

  let nextIndex = 0;
  const future: AppliedMigration[] = [];
  let lastKnown: CatalogEntry | undefined;
  const newest = catalog.entries[catalog.entries.length - 1]?.definition.name;
  for (const row of applied) {
    const entry = catalog.byName(row.name);
    if (entry === undefined) {
      // A newer build's migration: of a newer level, or a later one of this build's newest level
      // (a later release of that level, which sorts after every migration this build has; the
      // catalog keeps such a migration additive for the builds before it).
      if (row.level > catalog.maxLevel || (row.level === catalog.maxLevel && newest !== undefined && row.name > newest)) {
        future.push(row);
        continue;
      }
      throw new StateError(
        "E_STATE_MISSING_MIGRATION",
        `${path} records migration ${row.name} (level ${row.level}) as applied, but this build has no such migration; ` +
          "it was renamed or deleted after release. Restore it under its original name.",
        { details: { path, migration: row.name, level: row.level } },
      );
    }
    if (future.length > 0 || entry.index < nextIndex) {
      throw new StateError(
        "E_STATE_OUT_OF_ORDER",
        `${path} applied ${row.name} after ${future.length > 0 ? (future[future.length - 1] as AppliedMigration).name : "a migration that sorts after it"}; ` +
          "the log no longer matches this build's order",
        { details: { path, migration: row.name } },
      );
    }
    if (entry.index > nextIndex) {
      const skipped = catalog.entries[nextIndex] as CatalogEntry;
      throw new StateError(
        "E_STATE_OUT_OF_ORDER",
        `migration ${skipped.definition.name} sorts before ${row.name}, which ${path} has already applied, but was never applied itself: ` +
          `it was added out of order. Give it a name after the last released migration.`,
        { details: { path, migration: skipped.definition.name, appliedAfter: row.name } },
      );
    }
    if (entry.checksum !== row.checksum) {
      throw new StateError(
        "E_STATE_CHECKSUM",
        `migration ${row.name} was edited after ${path} applied it (checksum ${row.checksum.slice(0, 12)}… recorded, ${entry.checksum.slice(0, 12)}… now). ` +
          "Applied migrations are immutable: restore it and put the change in a new migration.",
        { details: { path, migration: row.name, recorded: row.checksum, current: entry.checksum } },
      );
    }
    // The checksum covers the migration, not the row's own copies of what it produces; the
    // compat level the file is judged by comes from them (lowered by hand, it lets a release
    // outside the window in).
    const d = entry.definition;
    if (row.level !== d.level || row.compatLevel !== d.compatLevel || row.schemaFingerprint !== entry.fingerprintAfter) {
      throw dirty(
        path,
        `its log row of ${row.name} says level ${row.level}, compat level ${row.compatLevel}${row.schemaFingerprint === entry.fingerprintAfter ? "" : ", another schema"}, ` +
          `which that migration does not produce (level ${d.level}, compat level ${d.compatLevel})`,
        [],
      );
    }
    lastKnown = entry;
    nextIndex++;
  }

  if (future.length > 0 && nextIndex < catalog.entries.length && version.compatLevel <= catalog.maxLevel) {
    // Every newer build has this build's migrations and applies them first. A file whose compat
    // level is past this build is refused as from the future instead: that is what to do about it.
    const skipped = catalog.entries[nextIndex] as CatalogEntry;
    const first = future[0] as AppliedMigration;
    throw new StateError(
      "E_STATE_OUT_OF_ORDER",
      `${path} applied ${first.name} (level ${first.level}, from a newer build) without ${skipped.definition.name}, which every newer build applies before it; ` +
        "the log does not match any build's history",
      { details: { path, migration: skipped.definition.name, appliedAfter: first.name } },
    );
  }

  const last = applied[applied.length - 1] as AppliedMigration;
  const versionDisagrees = versionRowDifferences(version, last);
  if (versionDisagrees.length > 0) {
    // Each field named: a compat level or fingerprint edited alone read "(level 2) disagrees with … (level 2)".
    const otherSchema = version.schemaFingerprint === last.schemaFingerprint ? "" : ", another schema";
    throw dirty(
      path,
      `its version row (level ${version.level}, compat level ${version.compatLevel}${otherSchema}) disagrees with its last logged migration ` +
        `${last.name} (level ${last.level}, compat level ${last.compatLevel})`,
      versionDisagrees,
    );
  }
  const recordedSchemaProblem = recordedSchemaDifference(version);
  if (recordedSchemaProblem !== undefined) {
    // The fingerprint alone was checked: a schema text no build wrote passed, for this build and
    // for an older one, which judges the file by that text and reads it only when the fingerprint
    // differs, so the damage showed (as 'recorded schema unreadable') only once the schema moved.
    throw dirty(path, "its version row's recorded schema description is not what any build writes", [`recorded schema: ${recordedSchemaProblem}`]);
  }
  if (userVersion !== version.level) {
    throw dirty(path, `its header says level ${userVersion} but its version row says ${version.level}`, []);
  }

  const actual = describeSchema(db);
  const actualFingerprint = schemaFingerprint(actual);
  const expected: SchemaDescription | undefined =
    future.length === 0 && lastKnown !== undefined ? lastKnown.schemaAfter : parseRecordedSchema(version.schema);
  const expectedFingerprint = future.length === 0 && lastKnown !== undefined ? lastKnown.fingerprintAfter : version.schemaFingerprint;
  if (actualFingerprint !== expectedFingerprint) {
    const differences = expected === undefined ? ["recorded schema unreadable"] : diffSchemas(expected, actual);
    throw dirty(path, `its schema does not match level ${version.level} as recorded by ${last.name}`, differences);
  }

  return {
    level: version.level,
    compatLevel: version.compatLevel,
    applied,
    lastKnown,
    future,
    pending: future.length > 0 ? [] : catalog.entries.slice(nextIndex),
    schemaFingerprint: actualFingerprint,
  };
}

/** What the version row says that the last log row does not, field by field. */
function versionRowDifferences(
  version: { level: number; compatLevel: number; schemaFingerprint: string },
  last: AppliedMigration,
): string[] {
  const out: string[] = [];
  if (version.level !== last.level) out.push(`level: ${version.level} in the version row, ${last.level} in the log`);
  if (version.compatLevel !== last.compatLevel) out.push(`compat level: ${version.compatLevel} in the version row, ${last.compatLevel} in the log`);
  if (version.schemaFingerprint !== last.schemaFingerprint) {
    // String(): a version table rebuilt by hand without STRICT can hold NULL or a number there.
    const recorded = String(version.schemaFingerprint);
    out.push(`schema fingerprint: ${recorded.slice(0, 12)}${recorded.length > 12 ? "…" : ""} in the version row, ${last.schemaFingerprint.slice(0, 12)}… in the log`);
  }
  return out;
}

/**
 * What is wrong with `_state_version.schema`, or undefined when it is what every build writes: the
 * JSON text whose sha256 is the row's fingerprint (the one the log's last row carries, checked
 * before this). Judged from SQLite's typeof and length first, so a row of megabytes is not loaded.
 */
function recordedSchemaDifference(version: VersionRow): string | undefined {
  if (version.schemaType !== "text") return `is ${version.schemaType === "null" ? "NULL" : `of SQLite type ${version.schemaType}`}, not the JSON text every build writes`;
  if (version.schemaLength > MAX_RECORDED_SCHEMA_CHARS) {
    return `holds ${version.schemaLength.toLocaleString("en-US")} characters, more than any build writes (at most ${MAX_RECORDED_SCHEMA_CHARS.toLocaleString("en-US")} are read)`;
  }
  if (fingerprintOfText(version.schema) !== version.schemaFingerprint) return `(${version.schemaLength.toLocaleString("en-US")} characters) is not the one its schema fingerprint names, so no build wrote it`;
  return undefined;
}

function parseRecordedSchema(json: string): SchemaDescription | undefined {
  try {
    const parsed = JSON.parse(json) as SchemaDescription;
    return Array.isArray(parsed.tables) && Array.isArray(parsed.others) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dirty(path: string, why: string, differences: readonly string[]): StateError {
  const shown = differences.slice(0, 8).join("; ");
  return new StateError(
    "E_STATE_DIRTY",
    `${path} is in a dirty state: ${why}${shown === "" ? "" : ` (${shown}${differences.length > 8 ? "; …" : ""})`}. ` +
      "It was changed outside the migration runner or by a runner without transactions; restore it from a backup " +
      "or inspect it with `status-compat migrate status`. Nothing was changed.",
    { details: { path, differences } },
  );
}
