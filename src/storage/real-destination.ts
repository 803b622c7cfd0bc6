import { realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Where a download to `path` lands: its folders' links followed, its own name kept. The journal
 * keeps a destination as the application spelled it (the adjacent release reads it so), and one
 * folder has several spellings (iOS's /var/… and /private/var/…, any folder behind a symbolic
 * link), so destinations are compared by this: compared as given, two downloads to one file were
 * two jobs, each renaming onto it. The name is kept because a download replaces a link to a file
 * rather than writing through it. Folders still to be made are resolved from the nearest one that
 * exists.
 */
export function realDestination(path: string): string {
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
