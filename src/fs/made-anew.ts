import { constants, type Stats } from "node:fs";

/**
 * A file this project writes beside another and renames onto it has a name anyone can know: the
 * CLI's `<target>.partial-<pid>` (`--metrics`, `matrix --out`), the download's journaled
 * `<out>.<id8>.part`. Something may be at that name when it is made: an earlier run's file, or what
 * another user who may write in the folder put there (a symbolic link, a hard link to a file of the
 * user's, a file of their own, a pipe). Opened without O_EXCL, each was written into or through, or
 * (a pipe) held the run for ever. So the file is always made anew (CREATE_ANEW_FLAGS) and, when its
 * name is taken, what is there has its name removed (never its contents, never what a link names)
 * and the open is tried once more.
 *
 * One answer for every caller, a symbolic link included. Neither name is ever a link this project
 * made, and no user has a reason to put one there, so a link is a planted one or a stray: removing
 * it loses nothing (the file it names is never opened) and the write goes on, where refusing it
 * lost the output (the CLI) or failed the download only for the failure's clean-up to remove the link
 * anyway and the retry to start over: a refusal anyone who may write in the folder could cause at
 * will, protecting nothing. A link in a sticky folder (/tmp) that is another user's cannot be
 * removed (EPERM), which the caller reports as a name it cannot use. A folder is never removed (its
 * contents may be anyone's): refused. A name taken again right after it was removed means someone is
 * putting things there as the run goes: refused, not fought over.
 *
 * The decision is here, from the lstat of the name (no file system); the callers make the system
 * calls, sync (the CLI) or async (the download), and wrap the OS's errors in their layer's.
 */

/** O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW: nothing already at the name is opened, a link there included (EEXIST). Windows has no O_NOFOLLOW (nor links to plant without privileges): 0 there. */
export const CREATE_ANEW_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** What of the lstat of a taken name the decision reads (a test gives plain objects). */
export type TakenNameFacts = Pick<Stats, "nlink"> & { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean };

/** What is at a taken name, in words a log line or message can carry (never its path's contents). */
export type TakenNameKind = "a file" | "a hard link (a file with other names)" | "a symbolic link" | "a pipe, socket or device";

/** The next step after an open with CREATE_ANEW_FLAGS answered EEXIST. */
export type TakenNameStep =
  /** Nothing is there any more (removed meanwhile): open again, counting this as the retry. */
  | { readonly step: "open-again" }
  /** Remove the name (unlink: the link itself, never what it names), then open again. */
  | { readonly step: "remove"; readonly what: TakenNameKind }
  /** Give up: a folder is there, or the name was taken again right after it was cleared. */
  | { readonly step: "refuse"; readonly why: "folder" | "taken-again" };

/**
 * `there` is the lstat of the name (undefined when nothing is there now), `attempt` the number of
 * the open that answered EEXIST (1 for the first).
 */
export function takenNameStep(there: TakenNameFacts | undefined, attempt: number): TakenNameStep {
  if (attempt > 1) return { step: "refuse", why: "taken-again" };
  if (there === undefined) return { step: "open-again" };
  if (there.isDirectory()) return { step: "refuse", why: "folder" };
  return { step: "remove", what: kindOf(there) };
}

function kindOf(there: TakenNameFacts): TakenNameKind {
  if (there.isSymbolicLink()) return "a symbolic link";
  if (!there.isFile()) return "a pipe, socket or device";
  return there.nlink > 1 ? "a hard link (a file with other names)" : "a file";
}
