import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * `path` with its folders' links followed, its own name kept: where a download to it lands, and
 * the file an upload of it reads. The journal keeps a destination or source as the application
 * spelled it (the adjacent release reads it so), and one folder has several spellings (iOS's
 * /var/… and /private/var/…, any folder behind a symbolic link), so paths are compared by this:
 * compared as given, two downloads to one file were two jobs, each renaming onto it, and one file
 * was uploaded twice. The name is kept because a download replaces a link to a file rather than
 * writing through it (and a file is shared under the name it is given). Folders still to be made
 * are resolved from the nearest one that exists.
 */
export function inRealFolders(path: string): string {
  const absolute = resolve(path);
  const rest = [basename(absolute)];
  let folder = dirname(absolute);
  for (;;) {
    try {
      return join(realpathSync(folder), ...rest);
    } catch {
      const up = dirname(folder);
      if (up === folder) return absolute;
      rest.unshift(basename(folder));
      folder = up;
    }
  }
}
