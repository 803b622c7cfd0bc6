import { CryptoError } from "../crypto/index.js";
import { isWireError } from "../wire/index.js";
import { StorageError, type StorageErrorCode } from "./storage-error.js";

/** Why a job's signal fired when the application cancelled it (as opposed to the client stopping). */
export const CANCELLED = new StorageError("E_ABORTED", "the job was cancelled");

const STORAGE_CODES = new Set<string>([
  "E_FILE_TOO_LARGE",
  "E_QUOTA_EXCEEDED",
  "E_NOT_FOUND",
  "E_TRUNCATED",
  "E_INTEGRITY",
  "E_TIMEOUT",
  "E_ABORTED",
  "E_BACKEND_HTTP",
  "E_BACKEND_UNREACHABLE",
  "E_BACKEND_REJECTED",
  "E_BAD_CID",
  "E_JOB_UNKNOWN",
  "E_CLIENT_CLOSED",
  "E_LOCAL_IO",
  "E_BAD_REFERENCE",
  "E_FILE_EMPTY",
  "E_SOURCE_MISSING",
  "E_SOURCE_CHANGED",
  "E_UNSUPPORTED",
]);

/** The journal keeps `E_CODE: message`; a handle built from it rejects with the same typed error. */
export function errorFromJournal(state: "failed" | "cancelled", lastError: string | null): StorageError {
  if (state === "cancelled") return CANCELLED;
  const match = /^(E_[A-Z_]+): (.*)$/s.exec(lastError ?? "");
  const code = match !== null && STORAGE_CODES.has(match[1] as string) ? (match[1] as StorageErrorCode) : "E_BACKEND_UNREACHABLE";
  return new StorageError(code, match?.[2] ?? lastError ?? "the job failed", { details: { fromJournal: true } });
}

/** Whatever a run threw, as the storage layer's typed error (crypto → E_INTEGRITY, disk → E_LOCAL_IO). */
export function asStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  if (error instanceof CryptoError) return new StorageError("E_INTEGRITY", `decryption failed (${error.code}): ${error.message}`, { cause: error });
  if (isWireError(error)) return new StorageError("E_BAD_REFERENCE", `the file reference cannot be read: ${error.message}`, { cause: error });
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (typeof syscall === "string") {
    const code = (error as { code?: unknown }).code;
    return new StorageError("E_LOCAL_IO", `the local disk refused ${syscall} (${String(code)}); check free space and permissions`, { cause: error, details: { code } });
  }
  return new StorageError("E_LOCAL_IO", `unexpected failure: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
