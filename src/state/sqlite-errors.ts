import { StateError } from "./state-error.js";

/**
 * SQLite's error codes to the state layer's stable codes. A StateError passes through; an error
 * that is not from SQLite is a bug and is rethrown as is.
 */
export function toStateError(error: unknown, path: string, action: string): unknown {
  if (error instanceof StateError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return error;
  const why = (error as Error).message;
  const details = { path, sqliteCode: code };
  if (code === "SQLITE_NOTADB") {
    return new StateError("E_STATE_NOT_A_DATABASE", `${path} is not an SQLite database (${why}); nothing was written`, { cause: error, details });
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new StateError(
      "E_STATE_CORRUPT",
      `${path} is corrupt (${why}) while trying to ${action}; nothing was changed. Restore it from a backup, or recover it with the sqlite3 shell's .recover`,
      { cause: error, details },
    );
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return new StateError("E_STATE_READ_ONLY", `${path} is read-only (${why}) and ${action} needs to write it`, { cause: error, details });
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new StateError("E_STATE_LOCKED", `${path} is locked by another connection (${why}) while trying to ${action}; retry when it is idle`, {
      cause: error,
      details,
    });
  }
  if (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR")) {
    // SQLite does not expose the errno: a full disk and a file-size limit both read as FULL or IOERR.
    return new StateError("E_STATE_IO", `cannot ${action} ${path}: ${why} (the disk may be full, or the file over a size limit: free some space or raise the limit, then run it again)`, {
      cause: error,
      details,
    });
  }
  return new StateError("E_STATE_IO", `cannot ${action} ${path}: ${why}`, { cause: error, details });
}
