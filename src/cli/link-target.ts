import { lstatSync, readlinkSync, realpathSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { isPlantedLink } from "../fs/index.js";
import { CliError } from "./usage-error.js";

/** Linux's limit on links followed in one lookup (MAXSYMLINKS); past it open() says ELOOP. */
const MAX_LINKS = 40;

/**
 * The file a write to `path` lands on, the way `cp`, `curl -o`, a shell's `>` and editors write: a
 * symbolic link at `path` (and one it names, and so on) is followed to the file it names, so the
 * caller writes its temp file in that file's folder and renames it onto that file, which keeps both
 * the link and the atomic replace. `file get --out` renamed the download onto the link itself: the
 * link was gone and the file it named kept its old bytes. A link whose file is missing (dangling)
 * gives that missing path, which the write creates, as `curl -o` and `>` do; whether its folder
 * exists and may be written is the caller's check, on the path returned. A path that is no link is
 * returned as it is.
 *
 * Refused, as a usage error: a loop of links (more than MAX_LINKS), and a link in a sticky folder
 * anyone may write (/tmp) owned by neither the user nor the folder's owner: another user may have
 * put it there to have the download replace a file of theirs choosing. The kernel refuses to follow
 * such a link in open() (fs.protected_symlinks), which a rename onto the resolved path would bypass.
 */
export function writeTarget(command: string, flag: string, path: string, given: string, nothingDone: string): string {
  let at = path;
  for (let hops = 0; ; hops++) {
    const here = linkStat(command, flag, at, given);
    if (here === undefined || !here.isSymbolicLink()) return at;
    if (hops === MAX_LINKS) {
      throw new CliError(
        "E_USAGE",
        `${command}: --${flag} ${given} is a symbolic link that never reaches a file (a loop of links, or more than ${MAX_LINKS} in a row); remove it or give another path. ${nothingDone}`,
      );
    }
    // The link's own folder, links resolved: the kernel reads a relative target (with its `..`) from there.
    const folder = realpathSync(dirname(at));
    refusePlantedLink(command, flag, given, at, folder, here, nothingDone);
    at = resolve(folder, readlinkSync(at));
  }
}

/** lstat, or undefined when nothing is there (the write creates it) or a component is no folder (the caller's check names it). */
function linkStat(command: string, flag: string, path: string, given: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CliError("E_USAGE", `${command}: cannot check --${flag} ${given} (${code ?? "unknown error"}); give a path you can write`, { cause: error });
  }
}

function refusePlantedLink(command: string, flag: string, given: string, link: string, folder: string, linkInfo: Stats, nothingDone: string): void {
  if (!isPlantedLink(folder, linkInfo)) return;
  throw new CliError(
    "E_USAGE",
    `${command}: --${flag} ${given}: ${link} is a symbolic link of another user (uid ${linkInfo.uid}) in ${folder}, a folder everyone may write; writing through it would replace a file that user chose, so it is not followed (as the kernel does not, fs.protected_symlinks). Give a path in a folder of your own. ${nothingDone}`,
  );
}

/**
 * The path a write through `path` lands on when the command ends: its links followed to the last,
 * that one's target kept when nothing is there (a dangling link: the write makes its file).
 * writeTarget checked `path` when the command started; a link put there since (a matrix runs for
 * minutes) was followed without its rule, so another user's link planted in a sticky shared folder
 * after the check had the output renamed onto the file they chose. Such a link is not followed now
 * either: EACCES, what the kernel answers an open() through it (fs.protected_symlinks). A loop
 * found now (made meanwhile) gives `path`, whose write then fails.
 */
export function linkEnd(path: string): string {
  let at = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let info: Stats;
    try {
      info = lstatSync(at);
    } catch {
      return at;
    }
    if (!info.isSymbolicLink()) return hops === 0 ? at : realpathSync(at);
    const folder = realpathSync(dirname(at));
    if (isPlantedLink(folder, info)) {
      throw Object.assign(
        new Error(`${at} is a symbolic link of another user (uid ${info.uid}) in ${folder}, a folder everyone may write, put there after the command started; it is not followed (fs.protected_symlinks)`),
        { code: "EACCES", path: at },
      );
    }
    at = resolve(folder, readlinkSync(at));
  }
  return path;
}
