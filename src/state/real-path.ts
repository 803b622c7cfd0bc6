import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Where `path` really is: links followed, of the file or (before it exists) of its folder. SQLite
 * follows a link to the database and keeps its -wal and -shm beside the target, so every sibling
 * this layer derives (locks, the -wal it looks at) is named from this, or two spellings of one
 * database (a link to the file, iOS's /var and /private/var) each see nothing of the other.
 */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}
