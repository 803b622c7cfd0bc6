import type Database from "better-sqlite3";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

/** What to verify before the first migration of a run writes anything. */
export type Preflight = "quick_check" | "none";

/**
 * `PRAGMA quick_check` before migrating: a migration that meets a corrupt page half-way would
 * leave the file at an intermediate level (earlier migrations committed) and can spread the
 * damage. Checked once per run, only when something is about to run; O(file size), a fraction of
 * a full integrity_check.
 */
export function preflightCheck(db: Database.Database, path: string, mode: Preflight): void {
  if (mode === "none") return;
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma("quick_check") as { quick_check: string }[];
  } catch (error) {
    throw toStateError(error, path, "check it before migrating");
  }
  if (rows.length === 1 && rows[0]?.quick_check === "ok") return;
  const problems = rows.slice(0, 3).map((r) => r.quick_check.replace(/\s+/g, " ").slice(0, 160));
  throw new StateError(
    "E_STATE_CORRUPT",
    `${path} fails PRAGMA quick_check (${problems.join("; ")}${rows.length > 3 ? "; …" : ""}); it was not migrated and nothing was written. ` +
      "Restore it from a backup, or recover it with the sqlite3 shell's .recover",
    { details: { path, problems } },
  );
}
