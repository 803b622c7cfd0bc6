import { constants } from "node:fs";
import type { Stats } from "node:fs";
import { lstat, open, unlink, type FileHandle } from "node:fs/promises";
import { CREATE_ANEW_FLAGS, creationModeOf, takenNameStep, type TakenNameKind } from "../../fs/index.js";
import { dirname } from "node:path";
import type { Logger } from "../../obs/index.js";
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
 * A resume's open of the temp file never follows a symbolic link at its name (ELOOP instead). The
 * client never makes one there, and the name is known (journaled, listed in a folder like /tmp that
 * other users write in): a link put there while the temp file was gone had the resume truncate,
 * overwrite and then rename onto the destination whatever file it named, as root in a CI job any
 * file at all. fs.protected_symlinks stops that only for a link of another user in a sticky folder.
 * Windows has no O_NOFOLLOW (its links need privileges to make): 0 there.
 */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The temp file an earlier run verified `pieces` pieces into, open for the resume; undefined when it
 * is gone (ENOENT: the download starts over) or what is at its name is not a file this client made
 * there (foreignTemp: the download starts over, its pieces untrusted, and createTemp replaces the
 * name without writing into what it names). Any other failure throws E_LOCAL_IO naming the temp
 * file: for a passing cause (PASSING) ending with KEPT_PIECES_MARK, which keeps the file and its
 * journaled pieces through the failure (job-cleanup) and has the client's next start resume the job
 * (pending-jobs); for a lasting one (a folder in its place, permissions) saying what is wrong with
 * the path, the failure then removing what it can as any failure does.
 */
export async function reopenTemp(row: DownloadJobRow, pieces: number, log: Logger): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(row.temp_path, constants.O_RDWR | NO_FOLLOW);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") return undefined;
    // Not the file this client made, as foreignTemp's cases below: its pieces are not trusted, and
    // createTemp removes the link (never the file it names). Refused, the run failed only for its
    // clean-up to remove the link and the retry to start over anyway.
    if (await isLinkRefused(row, error)) return notOurs(row, "a symbolic link", log);
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
  // Judged on the open descriptor, not the name: what is read and written below is this very file.
  let foreign: string | undefined;
  try {
    foreign = foreignTemp(await handle.stat());
  } catch (error) {
    await handle.close().catch(() => undefined);
    const typed = localIoError(error, `looking at the temp file ${row.temp_path} of download ${row.id} to ${row.dest_path}`);
    throw new StorageError("E_LOCAL_IO", typed.message, { cause: error, details: { job: row.id, code: (error as NodeJS.ErrnoException).code, path: row.temp_path } });
  }
  if (foreign === undefined) return handle;
  await handle.close().catch(() => undefined);
  return notOurs(row, foreign, log);
}

function notOurs(row: DownloadJobRow, why: string, log: Logger): undefined {
  log.warn({ job: row.id, why }, "a resumed download's temp file is not the one this client made: its pieces are not trusted, the download starts over");
  return undefined;
}

/**
 * Why the file open at a temp file's name cannot be the one this client made there, or undefined.
 * O_NOFOLLOW stops a symbolic link, not a hard link: another user who may write in the folder (/tmp,
 * a shared downloads folder) could put at the name, while the temp file was gone, another name of a
 * file of the user's (where fs.protected_hardlinks is 0, and on macOS, any file on that disk), or a
 * file of their own they keep open. Resumed into, its bytes were trusted as verified pieces, it was
 * cut to the download's size, written over and renamed onto the destination. The client makes its
 * temp file with O_EXCL (one name, this user's, a regular file), so anything else is not it.
 */
export function foreignTemp(info: Stats): string | undefined {
  if (!info.isFile()) return "not a regular file";
  if (info.nlink !== 1) return `a file with ${info.nlink} names (a hard link), not one of its own`;
  const euid = process.geteuid?.(); // undefined on Windows, which has no such owners
  if (euid !== undefined && info.uid !== euid) return `owned by user ${info.uid}, not by this process's user ${euid}`;
  return undefined;
}

/** What a passing OS failure means (kept pieces are worth a resume); undefined for a lasting one. */
export function passingCause(code: string | undefined): string | undefined {
  return code === undefined ? undefined : PASSING[code];
}

/**
 * A new temp file for the download, always made anew (CREATE_ANEW_FLAGS: O_EXCL, O_NOFOLLOW):
 * whatever is at its name (an earlier run's file; a symbolic link, a hard link or a pipe another
 * user put there) has its name removed first, never opened, so nothing is written into or through
 * it; before, O_TRUNC cut the file a planted hard link named and the run wrote into it, a pipe there
 * held the run for ever, and a symbolic link failed the run. What is done with what is there is
 * src/fs's takenNameStep (the CLI's side outputs read it alike): a folder is refused, a name taken
 * again at once too. Its folder is synced before it is handed out: pieces are journaled as verified
 * once their data is synced, and without the file's own entry on disk a power cut left a journal of
 * verified pieces whose file was gone, fetched again (one folder sync per download, before anything
 * is fetched).
 */
export async function createTemp(row: DownloadJobRow, log?: Logger): Promise<FileHandle> {
  // Never more open than the file it is to replace while it fills (a private 0600 file's download was 0644).
  const mode = await creationModeOf(row.dest_path);
  let handle: FileHandle | undefined;
  for (let attempt = 1; handle === undefined; attempt++) {
    try {
      handle = await open(row.temp_path, CREATE_ANEW_FLAGS, mode);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EISDIR") throw tempIsAFolder(row, error);
      // Linux and macOS answer EEXIST for a link at the name with O_EXCL; ELOOP/EMLINK is read alike.
      if (code !== "EEXIST" && !(await isLinkRefused(row, error))) throw error;
      const next = takenNameStep(await lstat(row.temp_path).catch(() => undefined), attempt);
      if (next.step === "refuse") {
        if (next.why === "folder") throw tempIsAFolder(row, error);
        throw tempNameTaken(row, error, "something was put at that name again as soon as this client removed it");
      }
      if (next.step === "remove") await clearTempName(row, next.what, log);
    }
  }
  try {
    await syncDirectory(dirname(row.temp_path));
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  return handle;
}

/** Removes the name of what is at the temp file's path (never what a link names); an earlier run's file goes unremarked, anything else is warned of. */
async function clearTempName(row: DownloadJobRow, what: TakenNameKind, log: Logger | undefined): Promise<void> {
  try {
    await unlink(row.temp_path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    // Another user's file or link in a sticky folder (/tmp) may not be removed (EPERM/EACCES).
    throw tempNameTaken(row, error, `${what} this client did not make is there and cannot be removed (${String((error as NodeJS.ErrnoException).code)})`, what === "a symbolic link");
  }
  if (what !== "a file") log?.warn({ job: row.id, what }, "something this client never makes was at a download's temp file's name: its name was removed, nothing was written into or through it");
}

function tempNameTaken(row: DownloadJobRow, error: unknown, why: string, symbolicLink = false): StorageError {
  return new StorageError(
    "E_LOCAL_IO",
    `download ${row.id} to ${row.dest_path} cannot make its temp file ${row.temp_path}: ${why}; nothing was written into it. Remove it (or fetch to a folder other users cannot write in), then ${RETRY_STARTS_OVER}`,
    { cause: error, details: { job: row.id, code: (error as NodeJS.ErrnoException).code, syscall: (error as NodeJS.ErrnoException).syscall, path: row.temp_path, taken: true, ...(symbolicLink ? { symbolicLink } : {}) } },
  );
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
 * A failed download whose temp file and verified pieces are kept for a resume (retry(), or the next
 * start): a passing disk failure (see reopenTemp), its job deadline or an outage (run-download).
 */
export function keepsPiecesForResume(row: Pick<DownloadJobRow, "state" | "last_error">): boolean {
  const error = row.last_error;
  return row.state === "failed" && error !== null && KEPT_PIECES_CODES.some((code) => error.startsWith(`${code}: `)) && error.endsWith(KEPT_PIECES_MARK);
}
