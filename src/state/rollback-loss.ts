import type Database from "better-sqlite3";
import { releaseTable } from "../versions/index.js";
import { dataLoss, describeDataLoss, needsConsent, type DataLoss } from "./data-loss.js";
import type { MigrationCatalog } from "./migration-catalog.js";
import type { SchemaDescription } from "./schema-description.js";
import { StateError } from "./state-error.js";

/**
 * What a `down` would take from the storage client's journal that the level it ends at cannot
 * keep: work a user started and has not got back. Ended jobs nothing needs any more (done and
 * released, cancelled) are not counted: the client forgets those itself.
 */
export interface JournalLoss {
  /** Uploads not done nor cancelled: queued, uploading, or failed and waiting for a retry. */
  readonly unfinishedUploads: number;
  /** Pieces those uploads already stored (their rows are what keeps them from being sealed again). */
  readonly storedPieces: number;
  /** Downloads not done nor cancelled. */
  readonly unfinishedDownloads: number;
  /** Done uploads with a piece a message still refers to: renewal seals from their rows before the store's TTL runs out. */
  readonly referencedUploads: number;
}

const UNFINISHED = `state NOT IN ('done', 'cancelled')`;

function tablesOf(db: Database.Database): Set<string> {
  return new Set(db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[]);
}

/**
 * The journal rows a file would lose going to `target`'s schema (undefined when none): a category
 * is lost when a table it lives in exists now and not at the target. Read inside the run's write
 * transaction, so the counts are those of the rows the run drops.
 */
export function rollbackLoss(db: Database.Database, target: SchemaDescription): JournalLoss | undefined {
  const now = tablesOf(db);
  const kept = new Set(target.tables.map((t) => t.name));
  const dropped = (...tables: string[]): boolean => tables.every((t) => now.has(t)) && tables.some((t) => !kept.has(t));
  const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const uploadsLost = dropped("upload_jobs", "upload_pieces");
  const loss: JournalLoss = {
    unfinishedUploads: uploadsLost ? count(`SELECT count(*) FROM upload_jobs WHERE ${UNFINISHED}`) : 0,
    storedPieces: uploadsLost ? count(`SELECT count(*) FROM upload_pieces WHERE job_id IN (SELECT id FROM upload_jobs WHERE ${UNFINISHED})`) : 0,
    unfinishedDownloads: dropped("download_jobs") ? count(`SELECT count(*) FROM download_jobs WHERE ${UNFINISHED}`) : 0,
    referencedUploads: dropped("upload_jobs", "upload_pieces", "availability")
      ? count(
          `SELECT count(*) FROM upload_jobs j WHERE j.state = 'done' AND EXISTS (
             SELECT 1 FROM upload_pieces p JOIN availability a ON a.cid = p.cid WHERE p.job_id = j.id AND a.referenced = 1)`,
        )
      : 0,
  };
  return loss.unfinishedUploads + loss.unfinishedDownloads + loss.referencedUploads > 0 ? loss : undefined;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** "3 unfinished uploads (5 pieces already stored), 1 unfinished download and 2 done uploads whose pieces messages still refer to". */
export function describeLoss(loss: JournalLoss): string {
  const parts: string[] = [];
  if (loss.unfinishedUploads > 0) {
    parts.push(`${plural(loss.unfinishedUploads, "unfinished upload")} (${plural(loss.storedPieces, "piece")} already stored)`);
  }
  if (loss.unfinishedDownloads > 0) parts.push(plural(loss.unfinishedDownloads, "unfinished download"));
  if (loss.referencedUploads > 0) parts.push(`${plural(loss.referencedUploads, "done upload")} whose pieces messages still refer to`);
  return parts.length <= 1 ? (parts[0] ?? "nothing") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

function releasesAt(level: number): string {
  const names = releaseTable.rows.filter((r) => r.stateLevel === level).map((r) => r.release);
  return names.length === 0 ? `level-${level} code` : `release ${names.join(", ")}`;
}

/**
 * The refusal of a down that would lose `loss`, saying how to proceed: finish the jobs first, go
 * down only as far as the older release needs (when a level in between keeps the journal and that
 * release opens it), or accept the loss explicitly.
 */
export function unfinishedJobsError(
  path: string,
  catalog: MigrationCatalog,
  levels: { readonly level: number; readonly targetLevel: number },
  loss: JournalLoss,
  /** The file, to say what a shorter down (the one the message suggests) drops besides the journal. */
  db?: Database.Database,
): StateError {
  const { level, targetLevel } = levels;
  let enough: string | undefined;
  // Inside the compat window the older release opens the newer file: going down only that far keeps the journal.
  for (let l = level; l > targetLevel && targetLevel > 0; l--) {
    if (catalog.compatLevelAt(l) <= targetLevel && rollbackKeeps(catalog, level, l)) {
      const opens = `${releasesAt(targetLevel)} opens a level-${l} file (compat level ${catalog.compatLevelAt(l)})`;
      enough =
        l === level
          ? `${opens} as it is, so reinstalling it needs no down at all`
          : `${opens}: \`migrate down --to ${catalog.lastOfLevel(l)?.definition.name ?? l}\` is all it needs and keeps the journal` + shorterDownDrops(db, catalog, l);
      break;
    }
  }
  const what = targetLevel === 0 ? "an empty file" : `level ${targetLevel}, which has no storage journal`;
  const renewal = loss.referencedUploads > 0 ? " (nothing would renew those pieces: they leave the store when their time runs out)" : "";
  return new StateError(
    "E_STATE_UNFINISHED_JOBS",
    `going down from level ${level} to ${what}, ${path} would lose ${describeLoss(loss)}${renewal}, for good; nothing was changed. ` +
      `To proceed: ${[
        ...(enough === undefined ? [] : [enough]),
        // A done upload stays renewed for as long as a message refers to it: waiting does not end that.
        ...(loss.unfinishedUploads + loss.unfinishedDownloads > 0 ? [`let ${releasesAt(level)} finish or cancel the unfinished jobs, then run this again`] : []),
        "accept the loss: `--discard-unfinished-jobs` (migrateState's `discardUnfinishedJobs: true`)",
      ].join("; or ")}`,
    { details: { path, level, targetLevel, ...loss } },
  );
}

/** "; it drops …" when the down to `level` would be refused for data outside the journal (E_STATE_DATA_LOSS). */
function shorterDownDrops(db: Database.Database | undefined, catalog: MigrationCatalog, level: number): string {
  const lost = db === undefined ? undefined : needsConsent(dataLoss(db, catalog.schemaAtLevel(level)));
  return lost === undefined ? "" : ` (it drops ${describeDataLoss(lost)}: only with \`--discard-data\`)`;
}

/** Whether every journal table of `from` exists at level `to` (a down from `from` to `to` loses no journal row). */
function rollbackKeeps(catalog: MigrationCatalog, from: number, to: number): boolean {
  const kept = new Set(catalog.schemaAtLevel(to).tables.map((t) => t.name));
  return catalog
    .schemaAtLevel(from)
    .tables.map((t) => t.name)
    .filter((t) => JOURNAL_TABLES.includes(t))
    .every((t) => kept.has(t));
}

const JOURNAL_TABLES: readonly string[] = ["upload_jobs", "upload_pieces", "download_jobs", "availability"];

/** How a file at `fileLevel` goes back to an older release, and what that costs the journal (the rehearsal's `rollback` line). */
export interface RollbackPlan {
  /** The release rolled back to. */
  readonly release: string;
  /** The migration `migrate down --to` needs; null when the release opens the file as it is. */
  readonly downTo: string | null;
  /** The level the file is at once rolled back (the highest that release opens). */
  readonly level: number;
  /** What that down would drop from the journal; null: nothing. */
  readonly lost: JournalLoss | null;
  /** The release's own level, when below `level`: a down that far is more than it needs. */
  readonly ownLevel: number;
  /** Whether a down to `ownLevel` drops journal tables that `level` keeps. */
  readonly ownLevelDropsJournal: boolean;
  /** What a down to `ownLevel` would drop now; null: nothing (or it keeps the journal). */
  readonly lostAtOwnLevel: JournalLoss | null;
  /** Every table and column the `downTo` down drops, with what each holds now (zero included); null: no down. */
  readonly dropped: DataLoss | null;
  /** The same for a down to `ownLevel`; null when `ownLevel` is `level`. */
  readonly droppedAtOwnLevel: DataLoss | null;
}

/** The cheapest rollback of `db` (at `fileLevel`) to `release`, and what it and a down to the release's own level would lose. */
export function rollbackPlan(db: Database.Database, catalog: MigrationCatalog, fileLevel: number, release: { readonly release: string; readonly level: number }): RollbackPlan {
  let level = release.level;
  for (let l = fileLevel; l > release.level; l--) {
    if (catalog.compatLevelAt(l) <= release.level) {
      level = l;
      break;
    }
  }
  const below = release.level < level;
  const dropsJournal = below && !rollbackKeeps(catalog, level, release.level);
  return {
    release: release.release,
    downTo: level === fileLevel ? null : (catalog.lastOfLevel(level)?.definition.name ?? null),
    level,
    lost: level === fileLevel ? null : (rollbackLoss(db, catalog.schemaAtLevel(level)) ?? null),
    ownLevel: release.level,
    ownLevelDropsJournal: dropsJournal,
    lostAtOwnLevel: dropsJournal ? (rollbackLoss(db, catalog.schemaAtLevel(release.level)) ?? null) : null,
    dropped: level === fileLevel ? null : dataLoss(db, catalog.schemaAtLevel(level)),
    droppedAtOwnLevel: below ? dataLoss(db, catalog.schemaAtLevel(release.level)) : null,
  };
}
