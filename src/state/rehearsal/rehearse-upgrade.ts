import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type Database from "better-sqlite3";
import { silentLogger, type Logger } from "../../obs/index.js";
import { releaseTable as embeddedTable, type Release, type ReleaseTable } from "../../versions/index.js";
import type { StateAssessment } from "../assess-state.js";
import { shippedCatalog, type MigrationCatalog } from "../migration-catalog.js";
import { sizeText } from "../size-text.js";
import { clientLockPathOf, holdAgainstClients } from "../client-hold.js";
import { lockPathFor, lockTimeoutOf } from "../migration-lock.js";
import type { MigrationRun } from "../migration-step.js";
import { migrateState } from "../migrate-state.js";
import { openState } from "../open-state.js";
import { startChecks, type CheckOutcome, type CheckRun } from "../check-worker.js";
import type { PreflightTiming } from "../preflight-check.js";
import { readAssessment } from "../read-assessment.js";
import { runReleaseQueries } from "../release-queries/index.js";
import { StateError } from "../state-error.js";
import { toStateError } from "../sqlite-errors.js";
import { openConnection, probeStateFile } from "../state-file.js";
import { stopPoint } from "../stop-point.js";
import { needsStagedCopy, stageCopy, type StagedCopy } from "../staged-copy.js";
import { readOnlyFor } from "../read-mode.js";
import { describeLoss, rollbackPlan, type RollbackPlan } from "../rollback-loss.js";
import { describeDataLoss, needsConsent, type DataLoss } from "../data-loss.js";
import { sidecarsRefused } from "../folder-sidecars.js";
import { SourceSnapshot } from "./source-snapshot.js";
import { rowCounts } from "./table-data.js";
import { workFolderShortOfRoom } from "./work-folder-room.js";
import { writeLockRefusal } from "./write-lock-probe.js";
import { growthOf, keepWorkWal, upgradeShortOfRoom, type UpgradeGrowth } from "./upgrade-growth.js";
import type { RehearsalCheck, UpgradeReport } from "./upgrade-report.js";
import { assertKnownOptions, keysOf } from "../../errors/index.js";

export interface RehearseUpgradeOptions {
  path: string;
  /** Release strings, resolved through the release table (bad strings raise its VersionError). */
  from: string;
  to: string;
  /**
   * The release table `from` and `to` are rows of (default: the embedded one). The compatibility
   * matrix passes its own: resolved in the embedded table, a row of another table was
   * E_RELEASE_UNKNOWN (or the embedded row of that name, with its own state level).
   */
  table?: ReleaseTable;
  /** false: after every check passes on the copy, migrate the real file. Default true. */
  dryRun?: boolean;
  /** Where the work copy goes (default: the OS temp folder). Needs the database's size, and as much again for the WAL of its biggest migration. */
  workDir?: string;
  logger?: Logger;
  lockTimeoutMs?: number;
  /**
   * Stops the rehearsal at its next step (the copy between its steps, the comparison between
   * tables) with E_STATE_ABORTED, after removing the work copy; the original is never written.
   * Without `dryRun`, a signal during the real upgrade rolls it back; once it has committed, the
   * report is returned.
   */
  signal?: AbortSignal;
  catalog?: MigrationCatalog;
}

/** The keys RehearseUpgradeOptions has (the compiler holds the two together); rehearseUpgrade refuses any other. */
const REHEARSE_UPGRADE_OPTIONS = keysOf<RehearseUpgradeOptions>()({
  path: true,
  from: true,
  to: true,
  table: true,
  dryRun: true,
  workDir: true,
  logger: true,
  lockTimeoutMs: true,
  signal: true,
  catalog: true,
});

function elapsed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

async function elapsedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

/** SQLite's and the OS's codes for a disk that refused: full, over a quota or size limit, failing. */
const IO_FAILURE = /^(SQLITE_(FULL|IOERR)|ENOSPC$|EDQUOT$|EFBIG$|EIO$)/;

/** The code of a disk's refusal behind `error` (as StateError details or its cause), if that is what it was. */
function ioErrorOf(error: StateError): string | undefined {
  const codes = [error.details["sqliteCode"], error.details["osCode"], (error.cause as { code?: unknown } | undefined)?.code];
  return codes.find((c): c is string => typeof c === "string" && IO_FAILURE.test(c));
}

/** The refusal the real run's migration meets while a storage client holds the file (its lock is taken and let go at once), if any. */
function clientRefusal(path: string): StateError | undefined {
  try {
    holdAgainstClients(path)?.();
    return undefined;
  } catch (error) {
    if (error instanceof StateError) return error;
    throw error;
  }
}

function removeDatabase(path: string): void {
  // The work copy's client lock too: its real run's commit took one (no client ever opens the copy).
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`, lockPathFor(path), clientLockPathOf(path)]) {
    try {
      rmSync(p, { force: true });
    } catch (error) {
      // A work folder that is a file holds nothing to remove; the reason the copy failed is reported instead.
      if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw error;
    }
  }
}

/** Releases from `from` to `to` inclusive, one per state level (the newest release of each). */
function releasesBetween(from: Release, to: Release, releaseTable: ReleaseTable): Release[] {
  const lo = releaseTable.indexOf(from);
  const hi = releaseTable.indexOf(to);
  const byLevel = new Map<number, Release>();
  for (const r of releaseTable.rows.slice(lo, hi + 1)) byLevel.set(r.stateLevel, r);
  return [...byLevel.values()];
}

const PREFLIGHT_TITLE = "quick_check and foreign_key_check before migrating";

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function preflightLine(timing: PreflightTiming | undefined): Pick<RehearsalCheck, "ms" | "detail"> {
  if (timing === undefined) return { detail: "not run" };
  return {
    ms: timing.ms,
    detail: timing.alongside
      ? `of the copy as it was, on a second core while the migrations ran; the commit waited ${seconds(timing.waitedMs)} for it`
      : "of the copy as it was, before the migrations (the file was not in WAL mode)",
  };
}

/** A release opens the upgraded copy with its own code path: its queries run, or it is refused as designed. */
async function releaseCheck(work: string, release: Release, compat: number, catalog: MigrationCatalog): Promise<RehearsalCheck> {
  if (release.stateLevel < compat) {
    const id = `refused:${release.release}`;
    const title = `release ${release.release} refuses the upgraded file`;
    try {
      const h = await openState({ path: work, level: release.stateLevel, migrate: false, catalog });
      h.close();
      return { id, title, status: "failed", detail: "it opened a file beyond its compat window" };
    } catch (error) {
      const ok = error instanceof StateError && error.code === "E_STATE_FROM_FUTURE";
      return { id, title, status: ok ? "ok" : "failed", detail: ok ? `as designed: compat level is now ${compat}; rolling back to it needs \`migrate down\`` : String((error as Error).message) };
    }
  }
  const id = `queries:${release.release}`;
  const title = `release ${release.release} (level ${release.stateLevel}) queries run on the upgraded file`;
  try {
    const h = await openState({ path: work, level: release.stateLevel, migrate: false, catalog });
    try {
      const result = elapsed(() => runReleaseQueries(h.db, release.stateLevel));
      const bad = result.value.failed;
      return {
        id,
        title,
        status: bad.length === 0 ? "ok" : "failed",
        ms: result.ms,
        detail: bad.length === 0 ? `${result.value.passed.length} checks` : bad.map((f) => `${f.name}: ${f.error}`).join("; "),
      };
    } finally {
      h.close();
    }
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    return { id, title, status: "failed", detail: `${error.code}: ${error.message}` };
  }
}

/**
 * The `rollback` line: what going back to the --from release takes once the upgrade has run (the
 * cheapest `migrate down` it needs) and what that, or a down all the way to its own level, would
 * drop from the storage journal the upgraded copy holds. Fails when the cheapest rollback loses
 * journal rows: going back from N+1 to N must lose nothing.
 */
function rollbackLine(plan: RollbackPlan, compat: number, upgradedTo: string): RehearsalCheck {
  const how =
    plan.downTo === null
      ? `${plan.release} opens the upgraded file as it is (compat level ${compat}): no \`migrate down\` needed`
      : `\`migrate down --to ${plan.downTo}\` (level ${plan.level}) is enough, ${plan.lost === null ? "and keeps every journal row" : `and would lose ${describeLoss(plan.lost)}`}` +
        droppedText("; it drops", plan.dropped, upgradedTo);
  const further = !plan.ownLevelDropsJournal
    ? ""
    : plan.lostAtOwnLevel !== null
      ? `; a down to level ${plan.ownLevel} would lose ${describeLoss(plan.lostAtOwnLevel)} (refused without --discard-unfinished-jobs)`
      : `; level ${plan.ownLevel} has no storage journal: once ${upgradedTo} has run, a down to it is refused while jobs are unfinished`;
  const data = droppedText(plan.ownLevelDropsJournal ? "; it would also drop" : `; a down to level ${plan.ownLevel} would drop`, plan.droppedAtOwnLevel, upgradedTo);
  // Going back from N+1 to N must lose nothing: neither journal rows nor data outside it.
  const loses = plan.lost !== null || (plan.dropped !== null && needsConsent(plan.dropped) !== undefined);
  return {
    id: "rollback",
    title: `rollback to ${plan.release} keeps the storage journal`,
    status: loses ? "failed" : "ok",
    detail: how + further + data,
  };
}

/**
 * What a down drops besides the journal's tables (those the journal sentence covers), table by
 * table with what each holds on the upgraded copy: usually empty there, as the upgrade only added
 * them, so the line says when the refusal starts.
 */
function droppedText(lead: string, loss: DataLoss | null, upgradedTo: string): string {
  if (loss === null) return "";
  const outside: DataLoss = { tables: loss.tables.filter((t) => !t.journal), columns: loss.columns.filter((c) => !c.journal) };
  const ofJournal: DataLoss = { tables: [], columns: loss.columns.filter((c) => c.journal) };
  const when = needsConsent(loss) !== undefined ? "refused without --discard-data" : `refused without --discard-data once ${upgradedTo} has written them`;
  const parts = [
    ...(outside.tables.length + outside.columns.length === 0 ? [] : [`${describeDataLoss(outside)} (${when})`]),
    ...(ofJournal.columns.length === 0 ? [] : [`of the storage journal ${describeDataLoss(ofJournal)} (no option needed: the older release resumes without it)`]),
  ];
  return parts.length === 0 ? "" : `${lead} ${parts.join(", and ")}`;
}

/** The integrity_check and foreign_key_check lines, from the checks that ran alongside. */
async function integrityLines(run: CheckRun): Promise<[RehearsalCheck, RehearsalCheck]> {
  let outcomes: CheckOutcome[];
  try {
    outcomes = await run.outcomes;
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    const detail = `${error.code}: ${error.message}`;
    return [
      { id: "integrity", title: "PRAGMA integrity_check", status: "failed", detail },
      { id: "foreign-keys", title: "PRAGMA foreign_key_check", status: "failed", detail },
    ];
  }
  const lines = outcomes.map((o): RehearsalCheck => {
    if (o.pragma === "foreign_key_check") {
      return {
        id: "foreign-keys",
        title: "PRAGMA foreign_key_check",
        status: o.violations === 0 ? "ok" : "failed",
        ms: o.ms,
        ...(o.violations === 0 ? {} : { detail: `${o.violations} violation(s) in ${o.tables.join(", ")}` }),
      };
    }
    return {
      id: "integrity",
      title: "PRAGMA integrity_check",
      status: o.problems.length === 0 ? "ok" : "failed",
      ms: o.ms,
      ...(o.problems.length === 0 ? {} : { detail: o.problems.slice(0, 5).join("; ") }),
    };
  });
  return [lines[0] as RehearsalCheck, lines[1] as RehearsalCheck];
}

/**
 * The release engineer's rehearsal of an upgrade on a real state database. Everything runs on a
 * copy made with SQLite's backup API: the migrations as the runner runs them (preflight, one
 * transaction, each migration timed), row counts before and after, `integrity_check` and
 * `foreign_key_check`, the schema against what the level records, every release still inside the
 * compat window running its own queries on the upgraded copy (and releases outside it being
 * refused), and a rollback with `down` that must bring back every row equal to the original.
 * The integrity and foreign key checks run on a second core while the queries and `down` run.
 * The original is only ever read; with `dryRun: false` it is migrated afterwards, and only when
 * every check passed.
 */
export async function rehearseUpgrade(options: RehearseUpgradeOptions): Promise<UpgradeReport> {
  assertKnownOptions("rehearseUpgrade", options, REHEARSE_UPGRADE_OPTIONS, false);
  const { path } = options;
  const catalog = options.catalog ?? shippedCatalog();
  const logger = options.logger ?? silentLogger();
  const dryRun = options.dryRun ?? true;
  // Checked now, not when the real upgrade needs it after the whole rehearsal.
  lockTimeoutOf(options.lockTimeoutMs);
  const releaseTable = options.table ?? embeddedTable;
  const fromRelease = releaseTable.resolve(options.from);
  const toRelease = releaseTable.resolve(options.to);
  const from = { release: fromRelease.release, level: fromRelease.stateLevel };
  const to = { release: toRelease.release, level: toRelease.stateLevel };
  if (releaseTable.indexOf(toRelease) < releaseTable.indexOf(fromRelease)) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", `release ${to.release} (to) is older than ${from.release} (from); a rollback is a migration down (migrateState with direction "down"), not an upgrade`, {
      details: { from: from.release, to: to.release },
    });
  }
  // Releases the upgrade skips: a user may really skip one, so the rehearsal goes on and says so.
  const skipped = releaseTable.rows.slice(releaseTable.indexOf(fromRelease) + 1, releaseTable.indexOf(toRelease)).map((r) => r.release);
  if (to.level > catalog.maxLevel) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", `release ${to.release} needs state level ${to.level}; this build has migrations up to ${catalog.maxLevel}`);
  }

  const probe = probeStateFile(path);
  if (!probe.exists) throw new StateError("E_STATE_NOT_FOUND", `${path} does not exist`, { details: { path } });
  const readOnly = probe.writable
    ? sidecarsRefused(path, probe, "upgrading")
    : new StateError("E_STATE_READ_ONLY", `${path} is read-only; upgrading needs to write it (a dry run only reads it)`, { details: { path } });
  if (!dryRun && readOnly !== undefined) throw readOnly;

  const checks: RehearsalCheck[] = [];
  const tables = new Map<string, { before: number | null; after: number | null; afterDown: number | null }>();
  let migrations: MigrationRun[] = [];
  let reverts: MigrationRun[] = [];
  let applied: MigrationRun[] = [];
  let rollback: RollbackPlan | undefined;
  let realRunRefusal: StateError | undefined;
  let growth: UpgradeGrowth | undefined;
  const add = (c: RehearsalCheck, at = checks.length): void => {
    checks.splice(at, 0, c);
    logger.info({ check: c.id, status: c.status, ms: c.ms === undefined ? undefined : Math.round(c.ms) }, c.title);
  };
  const failed = (): boolean => checks.some((c) => c.status === "failed");
  const failure = (id: string, title: string, error: StateError): RehearsalCheck => {
    const io = ioErrorOf(error);
    // The work copy is gone once the report is read: name the user's file (the copy is page for page of it).
    const message = error.message.split(work).join(`the rehearsal copy of ${path} (in the work folder)`);
    return { id, title, status: "failed", detail: `${error.code}: ${message}`, code: error.code, ...(io === undefined ? {} : { ioError: io }) };
  };
  const { signal } = options;
  // Between every two steps: a stopped rehearsal is no verdict, so it throws instead of reporting.
  const step = (): Promise<void> => stopPoint(signal, "the upgrade rehearsal", path);
  const aborted = (error: unknown): boolean => signal?.aborted === true && error instanceof StateError && error.code === "E_STATE_ABORTED";

  const workDir = options.workDir ?? tmpdir();
  const tag = `${basename(path)}.rehearsal-${process.pid}-${randomBytes(4).toString("hex")}`;
  const work = join(workDir, `${tag}.sqlite`);
  let sourceAssessment: StateAssessment | undefined;
  let source: SourceSnapshot | undefined;
  let staged: StagedCopy | undefined;
  let workDb: Database.Database | undefined;
  let integrity: CheckRun | undefined;
  try {
    await step();
    if (needsStagedCopy(path)) {
      // Read-only file system: SQLite cannot read the WAL file where it is (see staged-copy.ts).
      const copied = elapsed(() => stageCopy(path, workDir));
      staged = copied.value;
      add({
        id: "stage",
        title: "original copied to the work folder to be read",
        status: "ok",
        ms: copied.ms,
        detail: "in WAL mode where SQLite cannot create its -shm file (a read-only file system?); this copy is the before-state",
      });
    }
    const lockTimeoutMs = lockTimeoutOf(options.lockTimeoutMs);
    source = await SourceSnapshot.open(staged?.path ?? path, work, staged !== undefined || !readOnlyFor(path, probe), path, {
      timeoutMs: lockTimeoutMs,
      signal,
      onWait: () => logger.warn({ path, timeoutMs: lockTimeoutMs }, "another process holds the database so that it cannot be read (a write in progress); waiting to read it as long as the real upgrade would wait for it"),
    });
    sourceAssessment = source.assess(catalog);
    const { level, compatLevel } = sourceAssessment;
    // A file no release this build knows may open: the tool is what is behind, not the upgrade.
    // Said as migrate up says it (E_STATE_FROM_FUTURE, exit 4); "release 0.2.0 cannot be using it"
    // with exit 1 sent the engineer after the wrong --from and told a script the upgrade was unsafe.
    const fromFuture = compatLevel > catalog.maxLevel;
    const newest = [...releaseTable.rows].reverse().find((r) => r.stateLevel <= catalog.maxLevel);
    const sourceProblem = fromFuture
      ? `the file is at level ${level} with compat level ${compatLevel}: a release newer than this build wrote it (this build knows state levels up to ${catalog.maxLevel}` +
        `${newest === undefined ? "" : `, that of release ${newest.release}`}), and no release it knows may open the file; rehearse with the status-compat of the release that wrote it, ` +
        "or roll the file back with that release (`status-compat migrate down`)"
      : compatLevel > from.level
        ? `the file is at level ${level} with compat level ${compatLevel}: release ${from.release} cannot be using it`
        : level > to.level
          ? `the file is already at level ${level}, above ${to.release}'s level ${to.level}`
          : level === 0
            ? "the file is empty (no state yet)"
            : undefined;
    add({
      id: "source",
      title: `source file at level ${level}, compat level ${compatLevel}`,
      status: sourceProblem === undefined ? "ok" : "failed",
      detail: sourceProblem ?? `${sizeText(probe.size)}, usable by ${from.release}`,
      ...(fromFuture ? { code: "E_STATE_FROM_FUTURE" } : {}),
    });
    if (failed()) return finish();
    // A real upgrade under an app (a storage client holding the file) is refused now, as a
    // read-only file is, nothing written: it rehearsed first (minutes on a large file) and only
    // then failed its apply step. The apply step still refuses an app that starts meanwhile.
    if (!dryRun && level < to.level) {
      const held = clientRefusal(path);
      if (held !== undefined) throw held;
    }

    await step();
    // A folder without room for the copy itself is said before copying, with both sizes: the
    // copy failed part way, as "cannot copy it to <copy> <file>: database or disk is full".
    const short = workFolderShortOfRoom(workDir, source.bytes(), path);
    if (short !== undefined) {
      add({ ...failure("copy", "copies made with the SQLite backup API: 1", short), room: { workDir, freeBytes: Number(short.details["freeBytes"]), neededBytes: Number(short.details["neededBytes"]) } });
      return finish();
    }
    const copy = await elapsedAsync(() => (source as SourceSnapshot).copyToWork(signal));
    add({
      id: "copy",
      title: "copies made with the SQLite backup API: 1",
      status: "ok",
      ms: copy.ms,
      detail: `the work copy, ${copy.value.pages.toLocaleString("en-US")} pages; the before-state is the original's read snapshot, held until the comparison`,
    });
    for (const [t, n] of source.rowCounts()) tables.set(t, { before: n, after: null, afterDown: null });
    await step();

    // 1. Up, as the new release would at startup: one transaction, its preflight on a second core
    //    (shown as its own line), then the migrations and the commit.
    const target = catalog.lastOfLevel(to.level);
    if (target !== undefined && sourceAssessment.level < to.level) {
      // What the migrations write beside the file, which the real run needs free beside the original.
      const walKeeper = keepWorkWal(work);
      try {
        const bytesBefore = source.bytes();
        const result = await migrateState({ path: work, direction: "up", to: target.definition.name, catalog, logger, signal, preflight: "quick_check" });
        if (walKeeper !== undefined) growth = growthOf(walKeeper, work, bytesBefore);
        migrations = [...result.runs];
        add({ id: "preflight", title: PREFLIGHT_TITLE, status: "ok", ...preflightLine(result.preflight) });
        for (const run of migrations) {
          add({ id: `up:${run.name}`, title: `migration ${run.name} (protocol ${run.protocol})`, status: "ok", ms: run.durationMs, detail: `level ${run.level}, compat ${run.compatLevel}` });
        }
        add({ id: "commit", title: "commit (every migration in one transaction)", status: "ok", ms: result.commitMs, detail: `level ${result.after.level}, compat level ${result.after.compatLevel}` });
      } catch (error) {
        if (!(error instanceof StateError) || aborted(error)) throw error;
        if (error.details["stage"] === "preflight") add(failure("preflight", PREFLIGHT_TITLE, error));
        else add(failure("up", "migrations", error));
        return finish();
      } finally {
        walKeeper?.close();
      }
    } else {
      add({ id: "up", title: "migrations to run", status: "ok", detail: "none: the file is already at the target level" });
    }
    await step();

    // Read-only, and closed last: the last connection to close a WAL file checkpoints it, which
    // would copy every page `down` wrote (the integrity check's snapshot kept them in the WAL)
    // into a file about to be deleted; a read-only connection does not.
    workDb = openConnection(work, { readOnly: true, create: false, busyTimeoutMs: 5_000 });
    const db = workDb;
    // 2. Rows: every table that existed keeps every row.
    const after = rowCounts(db);
    for (const [t, n] of after) tables.set(t, { before: tables.get(t)?.before ?? null, after: n, afterDown: null });
    const lost = [...tables].filter(([, v]) => v.before !== null && v.after !== v.before).map(([t, v]) => `${t} ${v.before} -> ${v.after ?? "dropped"}`);
    const added = [...tables].filter(([, v]) => v.before === null).length;
    add({
      id: "rows",
      title: "row counts of existing tables unchanged",
      status: lost.length === 0 ? "ok" : "failed",
      detail: lost.length === 0 ? `${[...tables.values()].filter((v) => v.before !== null).length} tables kept, ${added} added` : lost.join("; "),
    });

    // 3. SQLite's own checks of the upgraded copy, on a second core, from a read snapshot taken
    //    now: the queries and `down` below change the copy while they run. Their lines go here.
    const integritySlot = checks.length;
    integrity = startChecks(work, ["integrity_check", "foreign_key_check"], { action: "check the upgraded copy" });
    await integrity.snapshotTaken;
    await step();

    // 4. Schema and ledger as the new release will judge them.
    let upgraded: StateAssessment | undefined;
    try {
      upgraded = readAssessment(db, catalog, work);
      add({
        id: "schema",
        title: `schema matches level ${to.level}`,
        status: upgraded.level === to.level ? "ok" : "failed",
        detail: `level ${upgraded.level}, compat level ${upgraded.compatLevel}`,
      });
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      add(failure("schema", `schema matches level ${to.level}`, error));
    }

    // 5. Each release from `from` to `to` opens the upgraded copy with its own code path and
    //    runs its own queries; a release below the new compat level must be refused instead.
    for (const release of releasesBetween(fromRelease, toRelease, releaseTable)) {
      await step();
      add(await releaseCheck(work, release, upgraded?.compatLevel ?? 0, catalog));
    }

    // 5b. Going back to `from` later: the down it needs, and what that would cost the journal.
    if (upgraded !== undefined) {
      await step();
      try {
        rollback = rollbackPlan(db, catalog, upgraded.level, from);
        add(rollbackLine(rollback, upgraded.compatLevel, to.release));
      } catch (error) {
        const mapped = toStateError(error, work, "count the journal rows a rollback would drop");
        if (!(mapped instanceof StateError)) throw error;
        add(failure("rollback", `rollback to ${from.release} keeps the storage journal`, mapped));
      }
    }

    // 6. Roll the copy back and compare every row with the original's snapshot.
    if (migrations.length > 0) {
      const back = catalog.lastOfLevel(sourceAssessment.level);
      await step();
      try {
        // integrity_check of the upgraded copy runs alongside; a copy it finds damaged fails the rehearsal either way.
        // What this down drops is what the upgrade added; whether anything is lost is down-data's comparison, not a refusal.
        const result = await migrateState({ path: work, direction: "down", to: back?.definition.name ?? 0, catalog, logger, signal, preflight: "none", discardData: true });
        reverts = [...result.runs];
        for (const run of reverts) {
          add({ id: `down:${run.name}`, title: `down ${run.name}`, status: "ok", ms: run.durationMs, detail: `back to level ${run.level}` });
        }
        add({ id: "down-commit", title: "commit of the rollback (one transaction)", status: "ok", ms: result.commitMs, detail: `level ${result.after.level}, compat level ${result.after.compatLevel}` });
        await step();
        const cmp = await elapsedAsync(() => (source as SourceSnapshot).compareWithWork(signal));
        const problems = cmp.value.filter((c) => c.missing + c.changed + c.extra > 0).map((c) => `${c.table}: ${c.missing} missing, ${c.changed} changed, ${c.extra} extra`);
        for (const [t, n] of rowCounts(db)) {
          const entry = tables.get(t) ?? { before: null, after: null, afterDown: null };
          tables.set(t, { ...entry, afterDown: n });
        }
        add({
          id: "down-data",
          title: `down brings the data back equal (level ${sourceAssessment.level})`,
          status: problems.length === 0 ? "ok" : "failed",
          ms: cmp.ms,
          detail: problems.length === 0 ? `${cmp.value.length} tables, every row equal` : problems.join("; "),
        });
      } catch (error) {
        if (!(error instanceof StateError) || aborted(error)) throw error;
        add(failure("down", "down to the original level", error));
      }
    }

    const lines = await integrityLines(integrity);
    add(lines[0], integritySlot);
    add(lines[1], integritySlot + 1);
    await step();
    // What the real run of a clean rehearsal meets on the original, found out while the snapshot
    // still reads it (see writeLockRefusal): an app holding it refuses at once; another process's
    // write transaction makes it wait, and fail if it outlasts the wait.
    if (dryRun && readOnly === undefined && !failed() && sourceAssessment.level < to.level) {
      realRunRefusal =
        clientRefusal(path) ??
        (await writeLockRefusal(path, { timeoutMs: lockTimeoutOf(options.lockTimeoutMs), signal, logger }));
    }
  } finally {
    // The original first: the wait below cannot be cut, and a second Ctrl-C during it ends the
    // process at once, which would leave the original's connection's -wal and -shm beside it.
    try {
      source?.close();
    } finally {
      await integrity?.finished;
      workDb?.close();
      removeDatabase(work);
      staged?.remove();
    }
  }

  // Room beside the original for what the real run writes, read now that the copies are gone (a
  // work folder on the same disk held room the real run will have). The real run checks it too: it
  // committed, and the checkpoint after it left the disk full with the upgrade in the -wal.
  if (growth !== undefined && readOnly === undefined && realRunRefusal === undefined && !failed()) {
    const short = upgradeShortOfRoom(path, growth);
    if (dryRun) realRunRefusal = short;
    else if (short !== undefined) add(failure("apply", "room beside the original for the real upgrade", short));
  }

  // 7. The real thing, only when the rehearsal is clean.
  if (!dryRun && !failed() && sourceAssessment !== undefined && sourceAssessment.level < to.level) {
    const target = catalog.lastOfLevel(to.level);
    try {
      const result = await migrateState({ path, direction: "up", to: target?.definition.name, catalog, logger, signal, ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }) });
      applied = [...result.runs];
      const total = applied.reduce((s, r) => s + r.durationMs, 0) + result.commitMs;
      add({ id: "apply", title: `upgraded ${basename(path)} to level ${result.after.level}`, status: "ok", ms: total, detail: `${applied.length} migration(s), compat level ${result.after.compatLevel}` });
    } catch (error) {
      if (!(error instanceof StateError) || aborted(error)) throw error;
      add(failure("apply", "upgrade of the real file", error));
    }
  }
  return finish();

  /**
   * A dry run says what the real run will meet on the original, with its code: it refuses a
   * read-only file before rehearsing anything, and once every check passed its migration refuses
   * a file a storage client (the app) holds, or fails after waiting for another process's write
   * transaction. Said OK, the release engineer's real run then failed.
   */
  function predictRealRun(): void {
    const refusal = readOnly ?? realRunRefusal;
    if (refusal !== undefined) add(failure("apply", `the real upgrade of ${basename(path)} can run (write access, no app using it, no other writer, room for its -wal)`, refusal));
  }

  function finish(): UpgradeReport {
    if (dryRun && !checks.some((c) => c.id === "apply")) predictRealRun();
    const bad = checks.filter((c) => c.status === "failed");
    const verdict = bad.length === 0 ? "ok" : "failed";
    // The real file's own refusal (apply) is not the rehearsal's work folder.
    const io = bad.filter((c) => c.ioError !== undefined && c.id !== "apply");
    const summary =
      verdict === "failed" && io.length === bad.length
        ? `the rehearsal could not finish: ${io.map((c) => c.id).join(", ")} failed with an I/O error in the work folder (${[...new Set(io.map((c) => c.ioError))].join(", ")}; is it full?); ` +
          `this says nothing about the upgrade; ${applied.length > 0 ? "" : "the original file was not changed"}`
        : verdict === "failed" && bad.every((c) => c.code === "E_STATE_FROM_FUTURE")
        ? "the file is from a release newer than this build knows (E_STATE_FROM_FUTURE: see the source line); nothing was rehearsed; the original file was not changed"
        : verdict === "failed" && dryRun && bad.every((c) => c.id === "apply")
        ? `every check passed on the copy: the upgrade ${from.release} -> ${to.release} itself is safe, but the real upgrade of this file would be refused (${bad.map((c) => c.code ?? "?").join(", ")}: see the apply line); the original file was not written`
        : verdict === "failed"
        ? `${bad.length} check(s) failed (${bad.map((c) => c.id).join(", ")}); ${applied.length > 0 ? "" : "the original file was not changed"}`
        : dryRun
          ? `upgrade ${from.release} -> ${to.release} is safe to run; the original file was not written`
          : applied.length > 0
            ? `upgraded to ${to.release} (level ${to.level}) after every check passed on a copy`
            : `nothing to do: the file is already at level ${to.level}`;
    return {
      path,
      from,
      to,
      source: { level: sourceAssessment?.level ?? 0, compatLevel: sourceAssessment?.compatLevel ?? 0, bytes: probe.size },
      dryRun,
      checks,
      migrations,
      reverts,
      tables: [...tables].map(([table, v]) => ({ table, ...v })).sort((a, b) => (a.table < b.table ? -1 : 1)),
      applied,
      ...(rollback === undefined ? {} : { rollback }),
      ...(skipped.length === 0 ? {} : { skipped }),
      verdict,
      summary,
    };
  }
}
