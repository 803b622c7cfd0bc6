import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { CREATE_ANEW_FLAGS, creationModeFor, keepReplacedAttributesSync, syncDirectorySync, takenNameStep } from "../fs/index.js";
import { linkEnd } from "./link-target.js";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";

/**
 * Writes a command's side output (`--out`, `--metrics`) whole or not at all: beside the file and
 * renamed onto it, so a write the disk refuses part-way leaves no part of it (a CI job took the
 * truncated file for the output); on failure the earlier file goes too, as the write would have
 * replaced it, and the error is thrown. What is not a regular file is written in place: a pipe, a
 * terminal or /dev/stdout has no part to leave, and a rename would replace it with a file (its
 * reader waited for ever; as root, /dev/stdout itself). A link keeps pointing at the file it names,
 * which is the one replaced, or made when the link dangles. The file is synced before the rename and its folder after it: without
 * that, a power cut soon after could leave the name pointing at an empty or partial file (ext4, xfs).
 */
export function writeWholeFile(path: string, text: string): void {
  const there = statOf(path);
  if (there !== undefined && !there.isFile()) {
    writeFileSync(path, text);
    return;
  }
  // A dangling link too: its file is made (a node_exporter textfile link before the first run); the link was replaced.
  // Links followed under the rule the start's check applied (a link planted since is not followed).
  const target = linkEnd(path);
  const partial = partialPathFor(target);
  try {
    writeSynced(partial, text, target);
    renameSync(partial, target);
    // What a platform that cannot sync a folder answers (Windows, some network file systems) is the one list in src/fs.
    syncDirectorySync(dirname(target));
  } catch (error) {
    for (const leftover of [partial, target]) {
      try {
        rmSync(leftover, { force: true });
      } catch {
        // A folder put there meanwhile: not an output of ours; the caller says the output is lost.
      }
    }
    throw error;
  }
}

/** Most file systems' limit on one name, in bytes (ext4, xfs, APFS, NTFS in UTF-16 units). */
const NAME_MAX_BYTES = 255;

/**
 * The file written beside `target`: its name with `.partial-<pid>`, or, when that would pass the
 * name limit (a 243-byte name: 80 CJK characters), a digest of its name in its place; the long name
 * made the write fail ENAMETOOLONG where the file itself could be written.
 */
function partialPathFor(target: string): string {
  const suffix = `.partial-${process.pid}`;
  const name = basename(target);
  if (Buffer.byteLength(name + suffix) <= NAME_MAX_BYTES) return `${target}${suffix}`;
  return join(dirname(target), `${createHash("sha256").update(name).digest("hex").slice(0, 32)}${suffix}`);
}

/**
 * Writes `text` to a new file at `path`, given the mode, owner and group of the file at `target` it
 * is to replace, and syncs it to the disk before closing it.
 */
function writeSynced(path: string, text: string, target: string): void {
  const fd = createAnew(path, creationModeFor(target));
  try {
    writeFileSync(fd, text);
    // The file replaced keeps its mode, owner and group, as cp onto it keeps them (a 0600 one was made 0644);
    // on the descriptor, so a name swapped meanwhile is never what is changed.
    keepReplacedAttributesSync(fd, target);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A new file at `path` (made with `mode`, less the umask), open for writing. The name is predictable
 * (the process id), so something may be there already: a crashed run's file, or a link another user
 * put there in a folder they may write in. It was opened "w" (links followed, O_TRUNC): a symbolic
 * link had the file it named truncated, written, and then the link renamed onto the output, a hard
 * link the file it names written. Made with O_EXCL, nothing already there is ever written; what to do
 * with what is there is src/fs's takenNameStep, the download's temp file's rule too.
 */
function createAnew(path: string, mode: number): number {
  for (let attempt = 1; ; attempt++) {
    try {
      return openSync(path, CREATE_ANEW_FLAGS, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const next = takenNameStep(lstatSync(path, { throwIfNoEntry: false }), attempt);
      // A folder, or a name taken again at once (someone is putting files there as it runs): EEXIST says so.
      if (next.step === "refuse") throw error;
      if (next.step === "remove") unlinkGone(path);
    }
  }
}

/** Removes the name; one removed meanwhile is as good. Another user's in a sticky folder (EPERM) is thrown: the output is lost, its message names the code. */
function unlinkGone(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** What the path leads to (links followed); undefined when nothing is there yet. */
function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    // Nothing there (or nothing reachable): the write below says why, if it cannot be made.
    return undefined;
  }
}
