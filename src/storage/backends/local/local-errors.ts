import { StorageError } from "../../storage-error.js";

/** A path (or a directory on the way to it) that does not exist. */
export function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Operating-system failures become E_LOCAL_IO; anything else (a caller's failing source, a typed error) passes through. */
export function ioError(error: unknown, what: string): unknown {
  if (error instanceof StorageError || typeof (error as { syscall?: unknown } | null)?.syscall !== "string") return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new StorageError("E_LOCAL_IO", `${what} failed on the local disk (${typeof code === "string" ? code : "I/O error"}); check free space and permissions.`, {
    cause: error,
    details: { code },
  });
}

export function notFound(cid: string): StorageError {
  return new StorageError("E_NOT_FOUND", `the local store has no content under ${cid}`, { details: { cid } });
}
