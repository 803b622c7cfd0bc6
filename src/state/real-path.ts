import { readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** Linux's limit on links followed in one lookup (MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * Where `path` really is: links followed, of the file or (before it exists) of its folder. SQLite
 * follows a link to the database and keeps its -wal and -shm beside the target, so every sibling
 * this layer derives (locks, the -wal it looks at) is named from this, or two spellings of one
 * database (a link to the file, iOS's /var and /private/var) each see nothing of the other.
 *
 * A dangling link (state.sqlite linked to another disk before the first start) is followed to the
 * file it names, which SQLite creates there: its locks were named beside the link while the file
 * was missing and beside the file once it existed, so a client's first run held a lock that a
 * migration or a second client started meanwhile did not look at.
 */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const end = danglingEnd(absolute);
    try {
      return join(realpathSync(dirname(end)), basename(end));
    } catch {
      return end;
    }
  }
}

/** The missing file a chain of links at `path` ends at (each target read from its link's real folder, as the kernel reads it); `path` when it is no link. */
function danglingEnd(path: string): string {
  let at = path;
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    let target: string;
    let folder: string;
    try {
      target = readlinkSync(at);
      folder = realpathSync(dirname(at));
    } catch {
      // Not a link (EINVAL), nothing there, or its folder missing: this is where the chain ends.
      return at;
    }
    at = resolve(folder, target);
  }
  // A loop: SQLite's open fails ELOOP; the name as given is as good as any.
  return path;
}
