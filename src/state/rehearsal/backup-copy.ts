import type Database from "better-sqlite3";
import { StateError } from "../state-error.js";
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
    const code = (error as { code?: unknown }).code;
    // The shared wording ("cannot <action> <path>") read "cannot copy it to <copy> <file>" here, and
    // its advice did not say which disk: the work folder's is the one that refused.
    if (typeof code === "string" && (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"))) {
      throw new StateError(
        "E_STATE_IO",
        `cannot copy ${sourcePath} to its rehearsal copy in the work folder (${destination}): ${(error as Error).message}; nothing was written to ${sourcePath}. ` +
          "The work folder's disk may be full, or the copy over a file-size limit: free some space there (the copy needs the file's size) or give another --work-dir, then run it again",
        { cause: error, details: { path: sourcePath, copy: destination, sqliteCode: code } },
      );
    }
    throw toStateError(error, sourcePath, `copy it to ${destination}`);
  }
}
