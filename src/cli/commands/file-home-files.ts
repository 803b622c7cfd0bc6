import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { CliError } from "../usage-error.js";

/** What a `file` command keeps in its home: the local store, the state database, the client's data (cache, spool). */
export function homeLayout(home: string): { store: string; state: string; data: string } {
  return { store: join(home, "store"), state: join(home, "state.sqlite"), data: join(home, "data") };
}

/** The home's own entries by their first name below it, with what they hold (for the message). */
function ownEntry(first: string): string | undefined {
  if (first === "store") return "local store";
  if (first === "data") return "cache and spool (data/)";
  if (first === "cli.lock") return "lock (cli.lock)";
  // The database and what SQLite and the client keep beside it: -wal, -shm, -journal, .client-lock.
  if (first.startsWith("state.sqlite")) return `state database (${first})`;
  return undefined;
}

/** `path` with its links resolved as far as they exist; undefined when even its folder cannot be resolved. */
function realPath(path: string, followLink: boolean): string | undefined {
  try {
    if (followLink) {
      try {
        return realpathSync(path);
      } catch {
        // Nothing there yet: the write makes it in its folder.
      }
    }
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return undefined;
  }
}

/**
 * A file a `file` command writes (`get --out`, `--metrics`) landing among its home's own files:
 * `--out ~/.local/share/status-compat/state.sqlite` renamed the download onto the live state
 * database (exit 0; every later command then refused the home as not a database), and a block
 * file of the store or the cache could be replaced alike. Compared by real paths, so a link to
 * the home's folder is seen through; `followLink` when the write goes through a link at `path`
 * itself (`--metrics`; `--out` replaces a link). A home not made yet holds nothing to lose.
 */
export function checkOutsideHome(command: string, flag: string, path: string, given: string, home: string, followLink: boolean, nothingDone: string): void {
  let realHome: string;
  try {
    realHome = realpathSync(home);
  } catch {
    return;
  }
  const lands = realPath(path, followLink);
  if (lands === undefined) return;
  const rel = relative(realHome, lands);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return;
  const what = ownEntry(rel.split(sep)[0] as string);
  if (what === undefined) return;
  throw new CliError(
    "E_USAGE",
    `${command}: --${flag} ${given} is in the ${what} of the home ${home}; writing there would destroy what the command keeps, give a path outside the home's store, data and state files. ${nothingDone}`,
  );
}
