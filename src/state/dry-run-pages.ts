import { statSync } from "node:fs";
import { totalmem } from "node:os";
import type Database from "better-sqlite3";
import { comparedSizes } from "./size-text.js";
import { toStateError } from "./sqlite-errors.js";
import { StateError } from "./state-error.js";

/**
 * A dry run runs the migrations on the real file, in a transaction it rolls back. SQLite writes a
 * transaction's changed pages out before its commit once they outgrow the page cache (16,000 KiB
 * as better-sqlite3 builds it: a large user's upgrade): into the -wal of a WAL file, where a -wal
 * holding an app's last commits grew by every page the run rewrote; into the file itself for a
 * rollback-journal file, its old pages kept in a -journal to put them back, so a kill in between
 * left a rewritten file and a hot journal. With spilling off and, for a rollback-journal file,
 * the journal in memory (a per-connection mode: only WAL is recorded in the file), the run's
 * pages stay in this process until the rollback drops them, and nothing beside the file is made
 * or written. The cost is memory: about the size of what the run rewrites.
 */
export function keepDryRunInMemory(db: Database.Database, path: string): void {
  try {
    db.pragma("cache_spill = OFF");
    const mode = String(db.pragma("journal_mode", { simple: true })).toLowerCase();
    if (mode !== "wal" && mode !== "memory") db.pragma("journal_mode = MEMORY");
  } catch (error) {
    throw toStateError(error, path, "prepare the dry run");
  }
}

/**
 * What a dry run may keep in memory by default: half of what this process may use (the machine's
 * memory, or a container's limit when one is set, as `process.constrainedMemory()` reads it).
 */
export function defaultDryRunMemoryBytes(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const limit = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return Math.floor(limit / 2);
}


/**
 * Refuses, before anything is run, a dry run whose pages may not fit in memory. What it keeps
 * grows with what the run rewrites, which nothing bounds but the file (measured: a 1,000,000-row
 * file of 506 MiB, 0001 -> 0003, 363 MiB peak RSS against 125 MiB for the real run). A dry run
 * past the machine's memory was killed by the OOM killer part way (nothing written, as nothing
 * spills, but no answer and no reason); the file's size (with its -wal) is the bound taken.
 */
export function refuseDryRunPastMemory(path: string, fileBytes: number, budgetBytes: number, given: boolean): void {
  let walBytes = 0;
  try {
    walBytes = statSync(`${path}-wal`).size;
  } catch {
    walBytes = 0;
  }
  const need = fileBytes + walBytes;
  if (need <= budgetBytes) return;
  const [needText, budgetText] = comparedSizes(need, budgetBytes);
  throw new StateError(
    "E_STATE_TOO_LARGE",
    `a dry run of ${path} keeps every page its migrations change in memory, up to about the file's size${walBytes > 0 ? " with its -wal" : ""}, ${needText}, ` +
      `more than the ${budgetText} it may use (${given ? "the budget it was given" : "half of this process's memory"}); it was not started, nothing was written. ` +
      "Rehearse it on a copy with `status-compat upgrade --dry-run` (its memory does not grow with the file; the copy goes to --work-dir), run the dry run where more memory is available, " +
      "or, knowing this machine has the memory, give it a larger budget (`migrate --dry-run-memory SIZE`, the API's dryRunMemoryBytes)",
    { details: { path, bytes: need, budgetBytes } },
  );
}
