import type { MigrationRun } from "../migration-step.js";
import type { RollbackPlan } from "../rollback-loss.js";
import type { WorkFolderRoom } from "./work-folder-room.js";

export type CheckStatus = "ok" | "failed" | "skipped";

/** One line of the report, the way `pg_upgrade --check` prints one line per check. */
export interface RehearsalCheck {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail?: string;
  readonly ms?: number;
  /**
   * Set when the check failed because the disk refused (SQLite's SQLITE_FULL, SQLITE_IOERR_…, or
   * the OS's ENOSPC, EIO, …: a full or failing work folder), not because of what it checks: the
   * code. Such a failure says nothing about the upgrade.
   */
  readonly ioError?: string;
  /** The state error's code when the check failed with one (`E_STATE_LOCKED`, `E_STATE_READ_ONLY`, …): what scripts branch on. */
  readonly code?: string;
  /** The `copy` line refused before copying, the work folder's disk being too small: the folder, its free bytes, the copy's size. */
  readonly room?: WorkFolderRoom;
}

export interface TableRows {
  readonly table: string;
  /** null: the table does not exist at that point. */
  readonly before: number | null;
  readonly after: number | null;
  readonly afterDown: number | null;
}

export interface UpgradeReport {
  readonly path: string;
  readonly from: { readonly release: string; readonly level: number };
  readonly to: { readonly release: string; readonly level: number };
  readonly source: { readonly level: number; readonly compatLevel: number; readonly bytes: number };
  readonly dryRun: boolean;
  readonly checks: readonly RehearsalCheck[];
  /** Migrations run on the copy, in order, with their times. */
  readonly migrations: readonly MigrationRun[];
  /** The rollback rehearsed on the copy. */
  readonly reverts: readonly MigrationRun[];
  readonly tables: readonly TableRows[];
  /** Migrations applied to the real file (empty for a dry run, or when a check failed). */
  readonly applied: readonly MigrationRun[];
  /** Going back to the --from release once upgraded (the `rollback` line); absent when the rehearsal stopped before it. */
  readonly rollback?: RollbackPlan;
  /**
   * Releases between `from` and `to` that the upgrade skips (0.1.0 -> 0.3.0 skips 0.2.0), in
   * order; absent for adjacent releases (and from = to). The file is migrated through their levels
   * in the same one run a client that skipped them makes, which the checks above rehearse; only
   * adjacent releases are promised to interoperate with each other's peers.
   */
  readonly skipped?: readonly string[];
  readonly verdict: "ok" | "failed";
  readonly summary: string;
}

/**
 * What a skip means, for the report's note and the CLI's warning: the rehearsal covers the file's
 * path through the skipped levels, not the wire between releases two apart.
 */
export function skipNote(report: Pick<UpgradeReport, "from" | "to" | "skipped">): string | undefined {
  const skipped = report.skipped ?? [];
  if (skipped.length === 0) return undefined;
  const { from, to } = report;
  const path = [from.release, ...skipped, to.release];
  const pairs = path.slice(1).map((r, i) => `${path[i] ?? ""} -> ${r}`);
  return (
    `${from.release} -> ${to.release} skips ${skipped.join(", ")}: the file is upgraded as a client that skipped ` +
    `${skipped.length === 1 ? "it" : "them"} upgrades it, every migration in between in one run, and that is what is rehearsed here; ` +
    `${to.release} and ${from.release} are not adjacent releases, so their peers are not promised to interoperate ` +
    `(the compatibility matrix checks adjacent pairs); the adjacent pairs are ${pairs.join(", ")}`
  );
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "" : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The human report: a header, one status line per check, the row table, a final verdict line. */
export function formatUpgradeReport(report: UpgradeReport): string {
  const width = Math.max(48, ...report.checks.map((c) => c.title.length + 2));
  const lines: string[] = [];
  lines.push(
    `${report.dryRun ? "Rehearsing" : "Upgrading"} ${report.path}: release ${report.from.release} (level ${report.from.level}) -> ` +
      `${report.to.release} (level ${report.to.level})${report.dryRun ? " on a copy; the original is not written" : ", checks first on a copy"}`,
    "",
  );
  const note = skipNote(report);
  if (note !== undefined) lines.push(`Note: ${note}`, "");
  for (const c of report.checks) {
    const status = c.status === "ok" ? "ok" : c.status === "failed" ? "FAILED" : "skipped";
    const time = seconds(c.ms);
    lines.push(`${c.title.padEnd(width, ".")} ${status.padEnd(7)}${time.padStart(9)}${c.detail === undefined ? "" : `  ${c.detail}`}`);
  }
  lines.push(...rowLines(report));
  lines.push("", `Verdict: ${report.verdict === "ok" ? "OK" : "FAILED"}: ${report.summary}`);
  return lines.join("\n") + "\n";
}

const COLUMNS = [
  { key: "before", title: "before" },
  { key: "after", title: "after" },
  { key: "afterDown", title: "after down" },
] as const;

/**
 * "Rows per table": "-" says a table does not exist at that point, so a column the rehearsal never
 * got to (every table null: it stopped at its migrations, or ran no down) is left out and named
 * under the table; it read as if the upgrade dropped every table. Nothing at all when no table was
 * counted (a rehearsal stopped before its copy): the failed line says why.
 */
function rowLines(report: UpgradeReport): string[] {
  if (report.tables.length === 0) return [];
  const counted = COLUMNS.filter((c) => report.tables.some((t) => t[c.key] !== null));
  const missing = COLUMNS.filter((c) => !counted.includes(c));
  const n = (v: number | null): string => (v === null ? "-" : v.toLocaleString("en-US"));
  const lines = ["", "Rows per table:".padEnd(44) + counted.map((c) => c.title.padStart(12)).join("")];
  for (const t of report.tables) lines.push(`  ${t.table.padEnd(42)}${counted.map((c) => n(t[c.key]).padStart(12)).join("")}`);
  if (missing.length > 0) {
    // An ok `up` line is the one saying there was nothing to run (each migration has its own line).
    const nothingToRun = report.checks.some((c) => c.id === "up" && c.status === "ok");
    const why = nothingToRun && missing.every((c) => c.key === "afterDown") ? "no migration ran, so none was rolled back" : "the rehearsal stopped before it got there";
    lines.push(`  (${missing.map((c) => c.title).join(", ")}: not counted: ${why})`);
  }
  return lines;
}
