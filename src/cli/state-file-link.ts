import { lstatSync, statSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "./usage-error.js";
import { writeTarget } from "./link-target.js";

/**
 * The path to give the state layer for a database the user named (`migrate --db`, `upgrade --db`,
 * `state fixture --out`) when a symbolic link is there (the app's data folder, or its
 * `state.sqlite`, linked to another disk).
 *
 * A link to an existing file is kept as given: SQLite opens through it and keeps its -wal and -shm
 * beside the file it names, and the state layer names its locks from the real path, so one database
 * has one set of sidecars whichever name it is given by. A dangling link gives the file it names:
 * that is the file to create (`migrate up`, the fixture), which the state layer builds under a
 * hidden name beside it and links to its name; given the link, the fixture was written whole and
 * then refused because its name (the link) was taken, and `migrate up` built its draft beside the
 * link, failed to name it and ran again in place. The messages of a missing database then name the
 * file that is missing, not the link `ls` shows. Whether that file's folder exists is the caller's
 * check, on the path returned.
 *
 * Usage errors, before anything is opened: a loop of links and another user's link in a sticky
 * shared folder (writeTarget's refusals). A link to a folder is answered as the folder it leads to
 * is (`aFolder`): `--db` passes it on, and the state layer refuses it as it refuses a folder given
 * itself (E_STATE_NOT_A_DATABASE, exit 4, with --json one object carrying the code, which release
 * scripts read; a usage error here gave them exit 2 and nothing on stdout for the link alone);
 * `state fixture --out`, where a folder is a usage error, refuses it so here, naming the folder.
 */
export function stateFileTarget(command: string, flag: string, path: string, given: string, nothingDone: string, aFolder: "state-layer" | "usage-error"): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return path;
  } catch {
    // Nothing there, or a path through a file: the command's own checks say so, as before.
    return path;
  }
  const target = writeTarget(command, flag, path, given, nothingDone);
  let isFolder: boolean;
  try {
    isFolder = statSync(target).isDirectory();
  } catch {
    // Dangling: the file it names is the one to make or to report missing.
    return target;
  }
  if (isFolder && aFolder === "usage-error") {
    throw new CliError(
      "E_USAGE",
      `${command}: --${flag} ${given} is a symbolic link to the folder ${target}; give the path of the database file, e.g. --${flag} ${join(target, "state.sqlite")}. ${nothingDone}`,
    );
  }
  return path;
}
