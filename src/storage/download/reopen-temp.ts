import { constants } from "node:fs";
import { lstat, open, type FileHandle } from "node:fs/promises";
import { creationModeOf } from "../../fs/index.js";
import { dirname } from "node:path";
import { syncDirectory } from "../file-io.js";
import { localIoError } from "../job-errors.js";
import type { DownloadJobRow } from "../journal/download-journal.js";
import { KEPT_PIECES_CODES, KEPT_PIECES_MARK, RESUME_KEPT_PIECES } from "../journal/pending-jobs.js";
import { RETRY_STARTS_OVER } from "../retry-advice.js";
import { StorageError } from "../storage-error.js";

/**
 * Causes that pass on their own (descriptors in use by other transfers, a file briefly locked): the
 * pieces in the temp file are still good, so they are kept for a resume, never fetched again.
 */
const PASSING: Readonly<Record<string, string>> = {
  EMFILE: "too many files are open in this process",
  ENFILE: "too many files are open on this system",
  EBUSY: "the file is busy",
  EAGAIN: "the file is temporarily unavailable",
};

/**
 * Opens of the temp file never follow a symbolic link at its name (ELOOP instead). The client never
 * makes one there, and the name is known (journaled, listed in a folder like /tmp that other users
 * write in): a link put there while the temp file was gone had the resume truncate, overwrite and
 * then rename onto the destination whatever file it named, as root in a CI job any file at all.
 * fs.protected_symlinks stops that only for a link of another user in a sticky folder. Windows has
 * no O_NOFOLLOW (its links need privileges to make): 0 there.
 */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The temp file an earlier run verified `pieces` pieces into, open for the resume; undefined when it
 * is gone (ENOENT: the download starts over). Any other failure throws E_LOCAL_IO naming the temp
 * file: for a passing cause (PASSING) ending with KEPT_PIECES_MARK, which keeps the file and its
 * journaled pieces through the failure (job-cleanup) and has the client's next start resume the job
 * (pending-jobs); for a lasting one (a folder in its place, permissions) saying what is wrong with
 * the path, the failure then removing what it can as any failure does.
 */
export async function reopenTemp(row: DownloadJobRow, pieces: number): Promise<FileHandle | undefined> {
  try {
    return await open(row.temp_path, constants.O_RDWR | NO_FOLLOW);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") return undefined;
    if (await isLinkRefused(row, error)) throw tempIsALink(row, error);
    const details = { job: row.id, code, syscall, path: row.temp_path };
    const passing = passingCause(code);
    if (passing !== undefined) {
      throw new StorageError(
        "E_LOCAL_IO",
        `download ${row.id} could not reopen its temp file ${row.temp_path}: ${passing} (${code}); ${RESUME_KEPT_PIECES} resumes it from the ${pieces} pieces verified into that file${KEPT_PIECES_MARK}`,
        { cause: error, details: { ...details, keptPieces: pieces } },
      );
    }
    if (code === "EISDIR") throw tempIsAFolder(row, error);
    const typed = localIoError(error, `reopening the temp file ${row.temp_path} of download ${row.id} to ${row.dest_path}`);
    throw new StorageError("E_LOCAL_IO", typed.message, { cause: error, details });
  }
}

/** What a passing OS failure means (kept pieces are worth a resume); undefined for a lasting one. */
export function passingCause(code: string | undefined): string | undefined {
  return code === undefined ? undefined : PASSING[code];
}

/**
 * A new temp file for the download (an earlier one truncated); a folder in its place is said as such.
 * Its folder is synced before it is handed out: pieces are journaled as verified once their data is
 * synced, and without the file's own entry on disk a power cut left a journal of verified pieces
 * whose file was gone, fetched again (one folder sync per download, before anything is fetched).
 */
export async function createTemp(row: DownloadJobRow): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // Never more open than the file it is to replace while it fills (a private 0600 file's download was 0644).
    handle = await open(row.temp_path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NO_FOLLOW, await creationModeOf(row.dest_path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EISDIR") throw tempIsAFolder(row, error);
    if (await isLinkRefused(row, error)) throw tempIsALink(row, error);
    throw error;
  }
  try {
    await syncDirectory(dirname(row.temp_path));
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  return handle;
}

/** Not the destination's fault (a file's path): the OS's EISDIR alone read as "give a file's path". */
function tempIsAFolder(row: DownloadJobRow, error: unknown): StorageError {
  return new StorageError(
    "E_LOCAL_IO",
    `download ${row.id} to ${row.dest_path} cannot write its temp file ${row.temp_path}: that is a folder, which this client never makes there; move that folder away, then ${RETRY_STARTS_OVER}`,
    { cause: error, details: { job: row.id, code: "EISDIR", syscall: (error as NodeJS.ErrnoException).syscall, path: row.temp_path } },
  );
}

/** An open refused by NO_FOLLOW: ELOOP (EMLINK on the BSDs) with a symbolic link at the temp file's name, not a loop on its way. */
async function isLinkRefused(row: DownloadJobRow, error: unknown): Promise<boolean> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== "ELOOP" && code !== "EMLINK") return false;
  return (await lstat(row.temp_path).catch(() => undefined))?.isSymbolicLink() === true;
}

/**
 * Nothing was written through the link. The failure's clean-up removes what is at the temp file's
 * name (the link itself, never the file it names), so a retry makes a temp file of its own there.
 */
function tempIsALink(row: DownloadJobRow, error: unknown): StorageError {
  return new StorageError(
    "E_LOCAL_IO",
    `download ${row.id} to ${row.dest_path} cannot use its temp file ${row.temp_path}: that is a symbolic link, which this client never makes there (another user may have put it there to have the download written into the file it names); nothing was written through it. Remove it if it is still there, then ${RETRY_STARTS_OVER}`,
    { cause: error, details: { job: row.id, code: (error as NodeJS.ErrnoException).code, syscall: "open", path: row.temp_path, symbolicLink: true } },
  );
}

/**
 * A failed download whose temp file and verified pieces are kept for a resume (retry(), or the next
 * start): a passing disk failure (see reopenTemp), its job deadline or an outage (run-download).
 */
export function keepsPiecesForResume(row: Pick<DownloadJobRow, "state" | "last_error">): boolean {
  const error = row.last_error;
  return row.state === "failed" && error !== null && KEPT_PIECES_CODES.some((code) => error.startsWith(`${code}: `)) && error.endsWith(KEPT_PIECES_MARK);
}
