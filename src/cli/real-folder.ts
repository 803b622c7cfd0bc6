import { realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * `path` (absolute) with its folder's links followed, its own name kept: the journal finds an
 * interrupted `file put` / `file get` by its path, and one folder has several spellings (macOS's
 * /var and /private/var: $TMPDIR says one, a shell's pwd the other). The name stays as given: a
 * link to the file is the name the user shares it under. A folder that cannot be resolved (missing)
 * is left as it is; the command says what is wrong with it.
 */
export function inRealFolder(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}
