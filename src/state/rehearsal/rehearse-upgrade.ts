import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type Database from "better-sqlite3";
import { silentLogger, type Logger } from "../../obs/index.js";
import { releaseTable, type Release } from "../../versions/index.js";
import type { StateAssessment } from "../assess-state.js";
import { shippedCatalog, type MigrationCatalog } from "../migration-catalog.js";
import { lockPathFor } from "../migration-lock.js";
import type { MigrationRun } from "../migration-step.js";
import { migrateState } from "../migrate-state.js";
import { openState } from "../open-state.js";
import { preflightCheck } from "../preflight-check.js";
import { readAssessment } from "../read-assessment.js";
import { runReleaseQueries } from "../release-queries/index.js";
import { StateError } from "../state-error.js";
import { openConnection, probeStateFile } from "../state-file.js";
import { toStateError } from "../sqlite-errors.js";
import { backupCopy } from "./backup-copy.js";
import { compareWithAttached, rowCounts } from "./table-data.js";
import type { RehearsalCheck, TableRows, UpgradeReport } from "./upgrade-report.js";

export interface RehearseUpgradeOptions {
  path: string;
  /** Release strings, resolved through the release table (bad strings raise its VersionError). */
  from: string;
  to: string;
  /** false: after every check passes on the copy, migrate the real file. Default true. */
  dryRun?: boolean;
  /** Where the copies go (default: the OS temp folder). Needs twice the database's size. */
  workDir?: string;
  logger?: Logger;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
  catalog?: MigrationCatalog;
}

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

function removeDatabase(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`, lockPathFor(path)]) rmSync(p, { force: true });
}

/** Releases from `from` to `to` inclusive, one per state level (the newest release of each). */
function releasesBetween(from: Release, to: Release): Release[] {
  const lo = releaseTable.indexOf(from);
  const hi = releaseTable.indexOf(to);
  const byLevel = new Map<number, Release>();
  for (const r of releaseTable.rows.slice(lo, hi + 1)) byLevel.set(r.stateLevel, r);
  return [...byLevel.values()];
}

/**
 * The release engineer's rehearsal of an upgrade on a real state database. Everything runs on a
 * copy made with SQLite's backup API: the migrations (timed one by one), row counts before and
 * after, `integrity_check` and `foreign_key_check`, the schema against what the level records,
 * every release still inside the compat window running its own queries on the upgraded copy
 * (and releases outside it being refused), and a rollback with `down` that must bring back every
 * row equal. The original is only ever read; with `dryRun: false` it is migrated afterwards, and
 * only when every check passed.
 */
export async function rehearseUpgrade(options: RehearseUpgradeOptions): Promise<UpgradeReport> {
  const { path } = options;
  const catalog = options.catalog ?? shippedCatalog();
  const logger = options.logger ?? silentLogger();
  const dryRun = options.dryRun ?? true;
  const fromRelease = releaseTable.resolve(options.from);
  const toRelease = releaseTable.resolve(options.to);
  const from = { release: fromRelease.release, level: fromRelease.stateLevel };
  const to = { release: toRelease.release, level: toRelease.stateLevel };
  if (releaseTable.indexOf(toRelease) < releaseTable.indexOf(fromRelease)) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", `--to ${to.release} is older than --from ${from.release}; a rollback is \`status-compat migrate down\``, {
      details: { from: from.release, to: to.release },
    });
  }
  if (to.level > catalog.maxLevel) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", `release ${to.release} needs state level ${to.level}; this build has migrations up to ${catalog.maxLevel}`);
  }

  const probe = probeStateFile(path);
  if (!probe.exists) throw new StateError("E_STATE_NOT_FOUND", `${path} does not exist`, { details: { path } });
  if (!dryRun && !probe.writable) {
    throw new StateError("E_STATE_READ_ONLY", `${path} is read-only; upgrading needs to write it (a --dry-run only reads it)`, { details: { path } });
  }

  const checks: RehearsalCheck[] = [];
  const tables = new Map<string, { before: number | null; after: number | null; afterDown: number | null }>();
  let migrations: MigrationRun[] = [];
  let reverts: MigrationRun[] = [];
  let applied: MigrationRun[] = [];
  const add = (c: RehearsalCheck): void => {
    checks.push(c);
    logger.info({ check: c.id, status: c.status, ms: c.ms === undefined ? undefined : Math.round(c.ms) }, c.title);
  };
  const failed = (): boolean => checks.some((c) => c.status === "failed");

  // A writable original is opened read-write but only read: a read-only connection would leave -wal/-shm files beside it.
  const source = openConnection(path, { readOnly: !probe.writable, create: false, busyTimeoutMs: 5_000 });
  const workDir = options.workDir ?? tmpdir();
  const tag = `${basename(path)}.rehearsal-${process.pid}-${randomBytes(4).toString("hex")}`;
  const work = join(workDir, `${tag}.sqlite`);
  const snapshot = join(workDir, `${tag}.before.sqlite`);
  let sourceAssessment: StateAssessment;
  let copied = false;
  let copyMs = 0;
  try {
    sourceAssessment = readAssessment(source, catalog, path);
    const { level, compatLevel } = sourceAssessment;
    const sourceProblem =
      compatLevel > from.level
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
      detail: sourceProblem ?? `${(probe.size / 2 ** 20).toFixed(1)} MiB, usable by ${from.release}`,
    });
    if (!failed()) {
      copyMs = (await elapsedAsync(() => backupCopy(source, path, work))).ms;
      copied = true;
    }
  } catch (error) {
    removeDatabase(work);
    throw error;
  } finally {
    source.close();
  }
  if (!copied) return finish();

  let workDb: Database.Database | undefined;
  try {
    // The "before" snapshot is copied from the work copy, so both are the same instant even if
    // the original keeps changing.
    workDb = openConnection(work, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
    const db0 = workDb;
    const snap = await elapsedAsync(() => backupCopy(db0, work, snapshot));
    add({
      id: "copy",
      title: "copies made with the SQLite backup API",
      status: "ok",
      ms: copyMs + snap.ms,
      detail: `work copy and before-snapshot, ${snap.value.pages.toLocaleString("en-US")} pages each`,
    });
    for (const [t, n] of rowCounts(workDb)) tables.set(t, { before: n, after: null, afterDown: null });
    workDb.close();
    workDb = undefined;

    // 1. Up, one migration at a time, as the new release would at startup: its preflight first
    //    (shown as its own line), then the migrations.
    const target = catalog.lastOfLevel(to.level);
    if (target !== undefined && sourceAssessment.level < to.level) {
      workDb = openConnection(work, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
      const db1 = workDb;
      try {
        const pre = elapsed(() => preflightCheck(db1, work, "quick_check"));
        add({ id: "preflight", title: "quick_check and foreign_key_check before migrating", status: "ok", ms: pre.ms });
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        add({ id: "preflight", title: "quick_check and foreign_key_check before migrating", status: "failed", detail: `${error.code}: ${error.message}` });
        return finish();
      } finally {
        db1.close();
        workDb = undefined;
      }
      try {
        const result = await migrateState({ path: work, direction: "up", to: target.definition.name, catalog, logger, signal: options.signal, preflight: "none" });
        migrations = [...result.runs];
        for (const run of migrations) {
          add({ id: `up:${run.name}`, title: `migration ${run.name} (protocol ${run.protocol})`, status: "ok", ms: run.durationMs, detail: `level ${run.level}, compat ${run.compatLevel}` });
        }
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        add({ id: "up", title: "migrations", status: "failed", detail: `${error.code}: ${error.message}` });
        return finish();
      }
    } else {
      add({ id: "up", title: "migrations to run", status: "ok", detail: "none: the file is already at the target level" });
    }

    workDb = openConnection(work, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
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

    // 3. SQLite's own checks.
    const integrity = elapsed(() => db.pragma("integrity_check") as { integrity_check: string }[]);
    const integrityOk = integrity.value.length === 1 && integrity.value[0]?.integrity_check === "ok";
    add({
      id: "integrity",
      title: "PRAGMA integrity_check",
      status: integrityOk ? "ok" : "failed",
      ms: integrity.ms,
      ...(integrityOk ? {} : { detail: integrity.value.slice(0, 5).map((r) => r.integrity_check).join("; ") }),
    });
    const fk = elapsed(() => db.pragma("foreign_key_check") as { table: string }[]);
    add({
      id: "foreign-keys",
      title: "PRAGMA foreign_key_check",
      status: fk.value.length === 0 ? "ok" : "failed",
      ms: fk.ms,
      ...(fk.value.length === 0 ? {} : { detail: `${fk.value.length} violation(s) in ${[...new Set(fk.value.map((v) => v.table))].join(", ")}` }),
    });

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
      add({ id: "schema", title: `schema matches level ${to.level}`, status: "failed", detail: `${error.code}: ${error.message}` });
    }
    db.close();
    workDb = undefined;

    // 5. Each release from `from` to `to` opens the upgraded copy with its own code path and
    //    runs its own queries; a release below the new compat level must be refused instead.
    for (const release of releasesBetween(fromRelease, toRelease)) {
      const compat = upgraded?.compatLevel ?? 0;
      if (release.stateLevel < compat) {
        try {
          const h = await openState({ path: work, level: release.stateLevel, migrate: false, catalog });
          h.close();
          add({ id: `refused:${release.release}`, title: `release ${release.release} refuses the upgraded file`, status: "failed", detail: "it opened a file beyond its compat window" });
        } catch (error) {
          const ok = error instanceof StateError && error.code === "E_STATE_FROM_FUTURE";
          add({
            id: `refused:${release.release}`,
            title: `release ${release.release} refuses the upgraded file`,
            status: ok ? "ok" : "failed",
            detail: ok ? `as designed: compat level is now ${compat}; rolling back to it needs \`migrate down\`` : String((error as Error).message),
          });
        }
        continue;
      }
      const title = `release ${release.release} (level ${release.stateLevel}) queries run on the upgraded file`;
      try {
        const h = await openState({ path: work, level: release.stateLevel, migrate: false, catalog });
        try {
          const result = elapsed(() => runReleaseQueries(h.db, release.stateLevel));
          const bad = result.value.failed;
          add({
            id: `queries:${release.release}`,
            title,
            status: bad.length === 0 ? "ok" : "failed",
            ms: result.ms,
            detail: bad.length === 0 ? `${result.value.passed.length} checks` : bad.map((f) => `${f.name}: ${f.error}`).join("; "),
          });
        } finally {
          h.close();
        }
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        add({ id: `queries:${release.release}`, title, status: "failed", detail: `${error.code}: ${error.message}` });
      }
    }

    // 6. Roll the copy back and compare every row with the snapshot taken before the upgrade.
    if (migrations.length > 0) {
      const back = catalog.lastOfLevel(sourceAssessment.level);
      try {
        // integrity_check has just passed on this copy: the down run needs no preflight of its own.
        const result = await migrateState({ path: work, direction: "down", to: back?.definition.name ?? 0, catalog, logger, signal: options.signal, preflight: "none" });
        reverts = [...result.runs];
        for (const run of reverts) {
          add({ id: `down:${run.name}`, title: `down ${run.name}`, status: "ok", ms: run.durationMs, detail: `back to level ${run.level}` });
        }
        workDb = openConnection(work, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
        const cmp = compareAfterDown(workDb, snapshot, work);
        for (const [t, n] of rowCounts(workDb)) {
          const entry = tables.get(t) ?? { before: null, after: null, afterDown: null };
          tables.set(t, { ...entry, afterDown: n });
        }
        add({ id: "down-data", title: `down brings the data back equal (level ${sourceAssessment.level})`, status: cmp.problems.length === 0 ? "ok" : "failed", ms: cmp.ms, detail: cmp.problems.length === 0 ? `${cmp.tables} tables, every row equal` : cmp.problems.join("; ") });
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
        add({ id: "down", title: "down to the original level", status: "failed", detail: `${error.code}: ${error.message}` });
      }
    }
  } finally {
    workDb?.close();
    removeDatabase(work);
    removeDatabase(snapshot);
  }

  // 7. The real thing, only when the rehearsal is clean.
  if (!dryRun && !failed() && sourceAssessment.level < to.level) {
    const target = catalog.lastOfLevel(to.level);
    try {
      const result = await migrateState({ path, direction: "up", to: target?.definition.name, catalog, logger, signal: options.signal, ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }) });
      applied = [...result.runs];
      const total = applied.reduce((s, r) => s + r.durationMs, 0);
      add({ id: "apply", title: `upgraded ${basename(path)} to level ${result.after.level}`, status: "ok", ms: total, detail: `${applied.length} migration(s), compat level ${result.after.compatLevel}` });
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      add({ id: "apply", title: "upgrade of the real file", status: "failed", detail: `${error.code}: ${error.message}` });
    }
  }
  return finish();

  function finish(): UpgradeReport {
    const bad = checks.filter((c) => c.status === "failed");
    const verdict = bad.length === 0 ? "ok" : "failed";
    const summary =
      verdict === "failed"
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
      verdict,
      summary,
    };
  }
}

function compareAfterDown(db: Database.Database, snapshot: string, work: string): { problems: string[]; tables: number; ms: number } {
  const start = performance.now();
  try {
    db.prepare("ATTACH DATABASE ? AS before").run(snapshot);
    try {
      const problems: string[] = [];
      const comparisons = compareWithAttached(db, "before");
      for (const c of comparisons) {
        if (c.missing + c.changed + c.extra > 0) problems.push(`${c.table}: ${c.missing} missing, ${c.changed} changed, ${c.extra} extra`);
      }
      return { problems, tables: comparisons.length, ms: performance.now() - start };
    } finally {
      db.exec("DETACH DATABASE before");
    }
  } catch (error) {
    throw toStateError(error, work, "compare the rolled-back copy");
  }
}
