import { accessSync, constants, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, join, sep } from "node:path";
import { CliError } from "./usage-error.js";
import { writeTarget } from "./link-target.js";

/** What `stat` says of a path, or undefined when there is nothing there (or a path component is not a folder). */
function statOf(command: string, flag: string, path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CliError("E_USAGE", `${command}: cannot check --${flag} ${path} (${code ?? "unknown error"}); give a path you can write`, { cause: error });
  }
}

/**
 * A file a command writes when it ends (`--out`, `--metrics`) must be in an existing folder and
 * not be a folder: found out only then, it would waste the whole run (a transfer, the matrix).
 * `given` is the path as the user typed it, before it was resolved; `example` the file name a
 * folder's refusal suggests in it, one fitting what the command writes (`state.sqlite` for a state
 * file: file.bin read oddly there).
 */
export function checkWritablePath(command: string, flag: string, path: string, nothingDone: string, given: string = path, example = "file.bin"): void {
  // `given`, as typed: a trailing slash names a folder (as `cp f photos/` reads it), which resolving drops: the file was written as `photos`.
  if (given.endsWith("/") || given.endsWith(sep)) {
    throw new CliError("E_USAGE", `${command}: --${flag} ${given} names a folder (it ends with ${sep}); give the path of the file to write, e.g. --${flag} ${join(path, example)}. ${nothingDone}`);
  }
  if (statOf(command, flag, path)?.isDirectory() === true) {
    throw new CliError("E_USAGE", `${command}: --${flag} ${path} is a folder; give the path of the file to write, e.g. --${flag} ${join(path, example)}. ${nothingDone}`);
  }
  const parent = dirname(path);
  if (statOf(command, flag, parent)?.isDirectory() !== true) {
    // A file where a folder should be: "create it first" sent the user to mkdir, which answered "File exists".
    const inTheWay = firstNonFolder(command, flag, parent);
    if (inTheWay !== undefined) {
      throw new CliError("E_USAGE", `${command}: --${flag} ${path} cannot be written: ${inTheWay} is a file, not a folder; give a path in a folder. ${nothingDone}`);
    }
    throw new CliError("E_USAGE", `${command}: the folder of --${flag} ${path} does not exist (${parent}); create it first. ${nothingDone}`);
  }
}

/**
 * `file get --out`: the download writes its temp file beside PATH and renames it onto PATH, so
 * besides what checkWritablePath asks, the folder must be one the user may write and PATH, when
 * there, a file. Found by the download instead, both were exit 5 with a failed job left in the
 * journal: a folder you may not write (or on a read-only file system) read as the disk failing,
 * and a device, pipe or socket at PATH got the library's advice to call fetchStream.
 */
export function checkDownloadPath(command: string, flag: string, path: string, nothingDone: string, given: string = path): void {
  checkWritablePath(command, flag, path, nothingDone, given);
  const there = statOf(command, flag, path);
  if (there !== undefined && !there.isFile()) {
    const what = there.isFIFO() ? "a pipe (FIFO)" : there.isSocket() ? "a socket" : there.isCharacterDevice() || there.isBlockDevice() ? "a device" : "not a regular file";
    throw new CliError(
      "E_USAGE",
      `${command}: --${flag} ${path} is ${what}; the verified file is written beside it and renamed onto it, which would replace it: give the path of a file. ${nothingDone}`,
    );
  }
  checkFolderWritable(command, flag, path, path, nothingDone);
}

/**
 * A side output written whole when the command ends (`--metrics`, `matrix --out`: writeWholeFile
 * writes a file beside it and renames it) also needs a folder the user may write; found out only
 * then, a transfer's metrics were lost and a matrix's report went to stdout instead. A link at it
 * must be one writeTarget follows (not a loop, not another user's in a shared sticky folder).
 */
export function checkSideOutputPath(command: string, flag: string, path: string, nothingDone: string, given: string = path): void {
  // writeWholeFile renames onto the file a link names, which the kernel's refusal of another user's
  // link in /tmp (fs.protected_symlinks) does not see: a planted --metrics /tmp/m.prom replaced its target.
  // The file a link names (made when it dangles) is the one written: its folder is the one to check.
  const target = writeTarget(command, flag, path, given, nothingDone);
  checkWritablePath(command, flag, target, nothingDone, given);
  const there = statOf(command, flag, target);
  // What is not a regular file (a pipe, /dev/stdout) is written in place, not beside.
  if (there !== undefined && !there.isFile()) return;
  checkFolderWritable(command, flag, path, target, nothingDone);
}

/**
 * The folder of `written` (the file a command writes beside and renames onto: `path` itself, or the
 * file a link there names) must take new files. Said by the kind of refusal: EROFS (a mounted backup,
 * a read-only container layer) is no permission the user can change, so it is named as such.
 * Existing, and a folder: checkWritablePath's checks come first.
 */
function checkFolderWritable(command: string, flag: string, path: string, written: string, nothingDone: string): void {
  const folder = realpathSync(dirname(written));
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    const why = code === "EROFS" ? "it is on a read-only file system" : "you may not write in it";
    throw new CliError("E_USAGE", `${command}: --${flag} ${path} cannot be written: ${why}, ${folder} (${code}); give a path in a folder you can write. ${nothingDone}`, {
      cause: error,
    });
  }
}

/** The nearest existing component of `folder` (itself, else up) when it is not a folder; undefined when that is a folder. */
function firstNonFolder(command: string, flag: string, folder: string): string | undefined {
  for (let at = folder; ; at = dirname(at)) {
    const info = statOf(command, flag, at);
    if (info !== undefined) return info.isDirectory() ? undefined : at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * `--flag` (written when the command ends) naming `other`, the file the command works on, by the
 * same path or through a link: the write would replace it (the photo just shared, the file just
 * fetched, with exit 0). `given` is the path as the user typed it.
 */
export function checkNotSameFile(command: string, flag: string, path: string, given: string, other: string, what: string, nothingDone: string): void {
  if (path !== other && !sameFile(path, other)) return;
  throw new CliError("E_USAGE", `${command}: --${flag} ${given} is ${what} (${other}); writing there would replace it, give another path. ${nothingDone}`);
}

/** Both paths lead to one file (links followed); false when either cannot be looked at. */
function sameFile(a: string, b: string): boolean {
  try {
    const one = statSync(a);
    const two = statSync(b);
    return one.dev === two.dev && one.ino === two.ino;
  } catch {
    return false;
  }
}

/** A folder a command writes into (`--work-dir`) must exist and be a folder. */
export function checkFolder(command: string, flag: string, path: string, nothingDone: string): void {
  if (statOf(command, flag, path)?.isDirectory() !== true) {
    throw new CliError("E_USAGE", `${command}: --${flag} ${path} is not an existing folder; create it first, or leave --${flag} out. ${nothingDone}`);
  }
}
