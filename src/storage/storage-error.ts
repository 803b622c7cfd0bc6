import { CompatError } from "../errors/index.js";

export type StorageErrorCode =
  /** The file is over the per-file limit (checked before any upload). */
  | "E_FILE_TOO_LARGE"
  /** The configured storage quota would be exceeded and nothing more can be evicted, or a Codex node's storage is full (its 500 "Unable to store block", or a 507; the next endpoint is tried). */
  | "E_QUOTA_EXCEEDED"
  /** The backend has no content under that CID. */
  | "E_NOT_FOUND"
  /** The body ended before Content-Length / the expected size. */
  | "E_TRUNCATED"
  /** A piece's bytes do not hash to the sha256 in the FileReference, or decryption failed. */
  | "E_INTEGRITY"
  /** An attempt or the overall deadline ran out. */
  | "E_TIMEOUT"
  /** The caller aborted. */
  | "E_ABORTED"
  /** The backend answered with an error status (text body in details). */
  | "E_BACKEND_HTTP"
  /** The backend could not be reached (refused, reset, DNS), or its https certificate did not verify (a captive portal's, say): retried. */
  | "E_BACKEND_UNREACHABLE"
  /** The backend refused the request as invalid (a 4xx other than the node's own 404, a proxy's error page): not retried there. */
  | "E_BACKEND_REJECTED"
  /** A CID string that is not a CID. */
  | "E_BAD_CID"
  /** A job id the journal does not know. */
  | "E_JOB_UNKNOWN"
  /** The client was stopped. */
  | "E_CLIENT_CLOSED"
  /** Another started client holds this client's data directory or state database (`details.path`, `details.lock`). */
  | "E_BUSY"
  /** The local disk refused a read or write (full, permissions); `details.code` is the OS code. */
  | "E_LOCAL_IO"
  /** A FileReference that cannot be read or whose pieces do not fit its sizes; `cause` says why. */
  | "E_BAD_REFERENCE"
  /** A file of zero bytes: a FileReference cannot describe one (plaintext_size must be at least 1). */
  | "E_FILE_EMPTY"
  /** The file to share is gone (or not a regular file, or not given as share() takes it); one the disk refuses to read (permissions) is E_LOCAL_IO. */
  | "E_SOURCE_MISSING"
  /** The file being shared changed between a crash and the resumed upload; pieces already sent no longer match it. */
  | "E_SOURCE_CHANGED"
  /** A job's runs kept ending with the process (a crash loop): failed at start instead of resumed again; retry() runs it. */
  | "E_CRASH_LOOP"
  /** The operation is not allowed in the client's current setup (e.g. caching downloads in light mode). */
  | "E_UNSUPPORTED"
  /** A bug, not the disk or the network: an error that is none of the above (a TypeError, say); `cause` is the original. */
  | "E_INTERNAL";

export class StorageError extends CompatError<StorageErrorCode> {
  readonly layer = "storage" as const;

  /** Worth another attempt (on this or another endpoint) — the retry loop asks this. */
  get retryable(): boolean {
    return (
      this.code === "E_TRUNCATED" ||
      this.code === "E_TIMEOUT" ||
      this.code === "E_BACKEND_HTTP" ||
      this.code === "E_BACKEND_UNREACHABLE"
    );
  }
}

// hasErrorCode narrows a storage code to StorageError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    storage: StorageError;
  }
}
