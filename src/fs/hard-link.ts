import { existsSync, linkSync, renameSync } from "node:fs";

/**
 * What link(2) answers on a file system without hard links (FAT, exFAT, some FUSE and network
 * mounts): EPERM on Linux, ENOTSUP / EOPNOTSUPP (one number on Linux, two on macOS), ENOSYS where
 * the call is missing altogether. Every other failure is the caller's to report.
 */
const HARD_LINKS_UNSUPPORTED: ReadonlySet<string> = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * Gives a complete file `from` the name `to`, never over a file another process put there: a hard
 * link fails on an existing name where a rename would replace it. Where the file system has no hard
 * links, a rename once `to` is checked to be free (a narrow race instead of none; `from` is then
 * gone). false: `to` was taken, nothing changed. Any other failure is thrown as the OS gave it.
 */
export function linkUnlessTakenSync(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException | undefined)?.code);
    if (code === "EEXIST") return false;
    if (!HARD_LINKS_UNSUPPORTED.has(code)) throw error;
  }
  if (existsSync(to)) return false;
  renameSync(from, to);
  return true;
}
