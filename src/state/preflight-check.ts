import type Database from "better-sqlite3";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

/** What to verify before the first migration of a run writes anything. */
export type Preflight = "quick_check" | "none";

/**
 * `PRAGMA quick_check` and `PRAGMA foreign_key_check` before migrating, once per run and only when
 * something is about to run. A migration that meets a corrupt page half-way would leave the file
 * at an intermediate level (earlier migrations committed) and can spread the damage. Foreign keys
 * are enforced during migrations, so a migration cannot create violations; rows that already
 * violate them (written with enforcement off) are refused here rather than carried forward.
 * O(file size): about a quarter of the time of an upgrade that rewrites a big table.
 */
export function preflightCheck(db: Database.Database, path: string, mode: Preflight): void {
  if (mode === "none") return;
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma("quick_check") as { quick_check: string }[];
  } catch (error) {
    throw toStateError(error, path, "check it before migrating");
  }
  if (rows.length === 1 && rows[0]?.quick_check === "ok") {
    checkForeignKeys(db, path);
    return;
  }
  const problems = rows.slice(0, 3).map((r) => r.quick_check.replace(/\s+/g, " ").slice(0, 160));
  throw new StateError(
    "E_STATE_CORRUPT",
    `${path} fails PRAGMA quick_check (${problems.join("; ")}${rows.length > 3 ? "; …" : ""}); it was not migrated and nothing was written. ` +
      "Restore it from a backup, or recover it with the sqlite3 shell's .recover",
    { details: { path, problems } },
  );
}

function checkForeignKeys(db: Database.Database, path: string): void {
  let violations: { table: string }[];
  try {
    violations = db.pragma("foreign_key_check") as { table: string }[];
  } catch (error) {
    throw toStateError(error, path, "check its foreign keys before migrating");
  }
  if (violations.length === 0) return;
  const tables = [...new Set(violations.map((v) => v.table))];
  throw new StateError(
    "E_STATE_DIRTY",
    `${path} has ${violations.length} row(s) violating foreign keys (in ${tables.join(", ")}), written with enforcement off; ` +
      "it was not migrated and nothing was written. Delete or repair those rows first.",
    { details: { path, violations: violations.length, tables } },
  );
}
