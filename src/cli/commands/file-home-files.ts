import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { pathBelow } from "../../fs/index.js";
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
  const what = homeEntryOf(path, home, followLink)?.what;
  if (what === undefined) return;
  throw new CliError(
    "E_USAGE",
    `${command}: --${flag} ${given} is in the ${what} of the home ${home}; writing there would destroy what the command keeps, give a path outside the home's store, data and state files. ${nothingDone}`,
  );
}

/** Which of the home's own entries `path` is in (by real path), with what it holds; undefined when none, or no home yet. */
function homeEntryOf(path: string, home: string, followLink: boolean): { what: string; first: string } | undefined {
  let realHome: string;
  try {
    realHome = realpathSync(home);
  } catch {
    return undefined;
  }
  const lands = realPath(path, followLink);
  if (lands === undefined) return undefined;
  const rel = pathBelow(realHome, lands);
  if (rel === undefined) return undefined;
  const first = rel.split(sep)[0] as string;
  const what = ownEntry(first);
  return what === undefined ? undefined : { what, first };
}

/**
 * `file put PATH` of one of the home's own files: the command writes them while it reads them. The
 * state database shared so was not the database (its latest changes sit in the -wal, which the
 * command itself rewrites as it journals the upload: exit 0 with a copy missing them), its -wal
 * failed as an empty file the library named no path of, and the store's blocks, the cache and the
 * locks are the command's working files, replaced or removed as it runs. Read through a link, as the
 * upload reads it. Nothing there is left to the put's own check (E_SOURCE_MISSING).
 */
export function checkShareOutsideHome(command: string, path: string, home: string): void {
  if (!existsSync(path)) return;
  const entry = homeEntryOf(path, home, true);
  if (entry === undefined) return;
  const how = entry.first.startsWith("state.sqlite")
    ? `: what it shared would not be the database (its latest changes sit in state.sqlite-wal, which this command rewrites as it journals the upload). To share the database, copy it while no command runs on this home (sqlite3 ${join(home, "state.sqlite")} ".backup copy.sqlite") and share the copy`
    : "; to share it, copy it out of the home while no command runs on it and share the copy";
  throw new CliError("E_USAGE", `${command}: ${path} is in the ${entry.what} of the home ${home}, which this command writes while it would read it${how}. Nothing was started.`);
}
