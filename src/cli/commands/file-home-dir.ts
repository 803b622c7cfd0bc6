import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` for the home, one level at a time. Node's recursive mkdir (sync and promise alike)
 * never returns when mkdir answers ENOENT under a parent that exists, as /proc does: it makes the
 * parent again (EEXIST, fine), retries the child (ENOENT) and loops, spinning a core with the
 * event loop blocked, so not even SIGTERM is handled. Here each missing folder is made once and
 * the first refusal is thrown as the OS gave it (ENOENT, EACCES, EROFS, ENOTDIR, EEXIST, ...).
 */
export function makeHomeDirectory(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const info = statSync(at, { throwIfNoEntry: false }); // ENOTDIR (a file on the way) is thrown
    if (info !== undefined) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: "ENOTDIR", path: at });
      break;
    }
    if (dirname(at) === at) break;
    missing.push(at);
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      // Made meanwhile by another command: that is what was wanted.
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true) continue;
      throw error;
    }
  }
}
