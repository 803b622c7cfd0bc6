import { CryptoError } from "../crypto/index.js";
import { isWireError } from "../wire/index.js";
import { StorageError, type StorageErrorCode } from "./storage-error.js";

/** Why a job's signal fired when the application cancelled it (as opposed to the client stopping). */
export const CANCELLED = new StorageError("E_ABORTED", "the job was cancelled");

// Every code of this build, checked by the compiler (a code added to StorageErrorCode must be added here):
// a code missing here came back from the journal as a newer release's.
const STORAGE_CODE_SET: Readonly<Record<StorageErrorCode, true>> = {
  E_FILE_TOO_LARGE: true,
  E_QUOTA_EXCEEDED: true,
  E_NOT_FOUND: true,
  E_TRUNCATED: true,
  E_INTEGRITY: true,
  E_TIMEOUT: true,
  E_ABORTED: true,
  E_BACKEND_HTTP: true,
  E_BACKEND_UNREACHABLE: true,
  E_BACKEND_REJECTED: true,
  E_BAD_CID: true,
  E_JOB_UNKNOWN: true,
  E_CLIENT_CLOSED: true,
  E_LOCAL_IO: true,
  E_BAD_REFERENCE: true,
  E_FILE_EMPTY: true,
  E_SOURCE_MISSING: true,
  E_SOURCE_CHANGED: true,
  E_CRASH_LOOP: true,
  E_UNSUPPORTED: true,
  E_INTERNAL: true,
  E_BUSY: true,
};
const STORAGE_CODES = new Set<string>(Object.keys(STORAGE_CODE_SET));

/**
 * The journal keeps `E_CODE: message`; a handle built from it rejects with the same typed error.
 * A code this release does not know (a newer release wrote the row before the user went back) is
 * E_UNSUPPORTED, not retryable, and keeps the code in its message and `details.journalCode`: the
 * failure is final and its cause is in the text, not a network error worth another attempt.
 */
export function errorFromJournal(state: "failed" | "cancelled", lastError: string | null): StorageError {
  if (state === "cancelled") return CANCELLED;
  const match = /^(E_[A-Z0-9_]+): (.*)$/s.exec(lastError ?? "");
  if (match === null) return new StorageError("E_UNSUPPORTED", lastError ?? "the job failed", { details: { fromJournal: true } });
  const [, journalCode, message] = match as unknown as [string, string, string];
  if (STORAGE_CODES.has(journalCode)) return new StorageError(journalCode as StorageErrorCode, message, { details: { fromJournal: true, journalCode } });
  return new StorageError("E_UNSUPPORTED", `the job failed with ${journalCode}, a code of a newer release: ${message}`, { details: { fromJournal: true, journalCode } });
}

/**
 * A run cut short by its backend closing under the running client (the application tore its Codex
 * connection down, or closed its local store): journaled failed with this error, so the handle ends
 * and retry() runs the job again, and resumed by the client's next start as a stop's would be
 * (pending-jobs' closedOutJobs). E_CLIENT_CLOSED, which every release reads.
 */
export function closedUnderRun(kind: "upload" | "download", id: string, error: StorageError): StorageError {
  // "retry() once the backend is open" alone sent an application round in circles: the shipped backends never open again.
  return new StorageError(
    "E_CLIENT_CLOSED",
    `${kind} ${id} stopped: its backend was closed while the client ran (${error.message}); a closed local store or Codex backend does not open again: stop this client and start one with a new backend, whose start resumes it (retry() runs it again only on a backend of the application's own that reconnects)`,
    {
      cause: error,
      details: { id, kind },
    },
  );
}

/** What an operating-system error code means to the person at the keyboard, and what to do about it. */
const DISK_REASONS: Readonly<Record<string, { readonly what: string; readonly todo: string }>> = {
  ENOSPC: { what: "the disk is full", todo: "free some space, then run it again" },
  EDQUOT: { what: "the disk quota is used up", todo: "free some space, then run it again" },
  EFBIG: {
    what: "the file would grow past this process's file-size limit (`ulimit -f`) or the file system's largest file",
    todo: "raise the limit (or use a file system that allows larger files), then run it again",
  },
  EROFS: { what: "the file system is read-only", todo: "use a writable folder" },
  EACCES: { what: "permission was denied", todo: "fix the folder's permissions" },
  EPERM: { what: "the operation is not permitted", todo: "fix the folder's permissions" },
  EIO: { what: "the disk reported an I/O error", todo: "check the disk, then run it again" },
  EMFILE: { what: "too many files are open in this process", todo: "run it again with fewer transfers at once" },
  ENFILE: { what: "too many files are open on this system", todo: "run it again later" },
  ENAMETOOLONG: { what: "the path or a name in it is too long for the file system", todo: "use a shorter name" },
  ELOOP: { what: "the path goes through a loop of symbolic links", todo: "fix the links or use another path" },
  ENOTDIR: { what: "a part of the path is a file, not a folder", todo: "use another path" },
  EISDIR: { what: "the path is a folder", todo: "give a file's path" },
};

/**
 * An operating-system failure of `what` (which names the file or store) as E_LOCAL_IO, saying what
 * the OS code means and what to do. `details.code` is the OS code, `details.syscall` the call.
 */
export function localIoError(error: unknown, what: string): StorageError {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  const known = typeof code === "string" ? DISK_REASONS[code] : undefined;
  const why =
    known === undefined
      ? `the operating system refused ${typeof syscall === "string" ? syscall : "it"}; check free space and permissions, then run it again`
      : `${known.what}; ${known.todo}`;
  return new StorageError("E_LOCAL_IO", `${what} failed on the local disk: ${why} (${String(code)}).`, { cause: error, details: { code, syscall } });
}

/** An operating-system failure (it names its syscall) of `what` as E_LOCAL_IO; anything else as it is. */
export function osErrorAsLocalIo(error: unknown, what: string): unknown {
  return typeof (error as { syscall?: unknown } | null)?.syscall === "string" ? localIoError(error, what) : error;
}

/** better-sqlite3 throws SqliteError with SQLite's code (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …) and no errno. */
function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** A failure of the state database (the journal) as E_LOCAL_IO; a refused write says what to do. */
function stateDatabaseError(error: unknown, code: string): StorageError {
  // SQLite reports a refused write (full disk, file-size limit) as FULL or IOERR; it does not expose the errno.
  const refusedWrite = code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR");
  const message = refusedWrite
    ? `the state database could not be written (${code}: ${(error as Error).message}): the disk is full or the file is over a size limit; free some space or raise the limit, then run it again.`
    : `the state database failed (${code}: ${(error as Error).message}).`;
  return new StorageError("E_LOCAL_IO", message, { cause: error, details: { sqliteCode: code } });
}

/** Where a bug was thrown: the first frame of its stack, for the report (never contents: frames name code, not data). */
function thrownAt(error: unknown): string {
  const frame = /\n\s+at (.+)/.exec((error as Error | null)?.stack ?? "")?.[1];
  return frame === undefined ? "" : ` (at ${frame})`;
}

/**
 * Whatever a run threw, as the storage layer's typed error: crypto → E_INTEGRITY (parameters no
 * stream can have → E_UNSUPPORTED), wire → E_BAD_REFERENCE,
 * an OS error (it names its syscall) or SQLite's → E_LOCAL_IO, anything else is a bug → E_INTERNAL.
 */
export function asStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  // Parameters no stream can have (sizes a corrupt journal row or a newer release gave) are not bytes that failed to authenticate.
  if (error instanceof CryptoError && error.code === "E_CRYPTO_BAD_PARAMS") {
    return new StorageError("E_UNSUPPORTED", `the job's encryption parameters cannot be used by this release (${error.code}): ${error.message}`, { cause: error });
  }
  if (error instanceof CryptoError) return new StorageError("E_INTEGRITY", `decryption failed (${error.code}): ${error.message}`, { cause: error });
  if (isWireError(error)) return new StorageError("E_BAD_REFERENCE", `the file reference cannot be read: ${error.message}`, { cause: error });
  const sqlite = sqliteCode(error);
  if (sqlite !== undefined) return stateDatabaseError(error, sqlite);
  // better-sqlite3's answer on a closed connection: the application closed the state it passed in
  // (options.state) before stop(), as the start refuses a closed one; not a bug of ours to report.
  if (error instanceof TypeError && error.message === "The database connection is not open") {
    return new StorageError(
      "E_UNSUPPORTED",
      "the state database was closed while the client ran (a state handle given as options.state must stay open until stop() has returned): close it after stop(); the job's journal row stays as it was and the next start resumes it",
      { cause: error },
    );
  }
  const { syscall, path } = (error ?? {}) as { syscall?: unknown; path?: unknown };
  if (typeof syscall === "string") return localIoError(error, typeof path === "string" ? `${syscall} ${path}` : syscall);
  // Not the disk: advice about space and permissions would send the operator the wrong way.
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageError("E_INTERNAL", `internal error, a bug and not the disk or the network: ${what}${thrownAt(error)}; please report it with the log`, { cause: error });
}
