import type Database from "better-sqlite3";
import { toStateError } from "../sqlite-errors.js";
import { stopped } from "../stop-point.js";

/** Pages per backup step: large enough to copy ~64 MiB at a time, small enough to yield between. */
const PAGES_PER_STEP = 16_384;

/**
 * Copies a live database with SQLite's online backup API: a consistent snapshot even while the
 * source is in use, and the copy keeps the source's page size and journal mode (WAL), so what
 * runs on it behaves as it would on the original. `signal` is looked at between steps: the copy
 * of a large file stops within one step (E_STATE_ABORTED), leaving the caller to remove it.
 */
export async function backupCopy(source: Database.Database, sourcePath: string, destination: string, signal?: AbortSignal): Promise<{ pages: number }> {
  try {
    const result = await source.backup(destination, {
      progress: () => {
        // Throwing here ends the backup (better-sqlite3 closes it and rejects).
        if (signal?.aborted === true) throw stopped(signal, `the copy to ${destination}`, sourcePath);
        return PAGES_PER_STEP;
      },
    });
    return { pages: result.totalPages };
  } catch (error) {
    if (signal?.aborted === true) throw stopped(signal, `the copy to ${destination}`, sourcePath);
    throw toStateError(error, sourcePath, `copy it to ${destination}`);
  }
}
