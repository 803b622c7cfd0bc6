import { realpathSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { pathBelow } from "../fs/index.js";
import type { ClientContext } from "./client-context.js";
import type { ClientSession } from "./client-session.js";
import { inRealFolders } from "./real-folders.js";
import { StorageError } from "./storage-error.js";

/** The client's own entries in its data directory, with what they hold (for the message). */
const DATA_DIR_ENTRIES: ReadonlyMap<string, string> = new Map([
  ["client.lock", "lock in its data directory"],
  ["cache", "cache"],
  ["spool", "spool of shared bytes"],
]);

/** What SQLite and the state layer keep beside a state database, by the suffix of its name. */
const BESIDE_STATE = ["", "-wal", "-shm", "-journal", ".client-lock", ".migrate-lock"];

/**
 * A fetch's `out` that lands (by real folders, as a download lands) on one of the client's own
 * files: its state database and what is kept beside it, or its lock, cache or spool in its data
 * directory (not other folders there: an app may keep its downloads in its data folder). The
 * download was renamed onto the live state database (the running client went on through its open
 * descriptor) and the next start failed E_STATE_NOT_A_DATABASE, every journaled
 * job and upload key lost; an app saving received files into its data folder under the name a
 * reference carries (the sender's choice) did so. The CLI refused this for its home already.
 */
export function refuseOwnFileAsOut(session: ClientSession, ctx: ClientContext, out: string, dest: string): void {
  const lands = inRealFolders(dest);
  const home = dirname(inRealFolders(join(dirname(ctx.dirs.cache), "-")));
  // Its own entries only: an app whose dataDir is its whole data folder may keep its downloads in a folder there.
  const first = pathBelow(home, lands)?.split(sep)[0];
  let what = first === undefined ? undefined : DATA_DIR_ENTRIES.get(first);
  if (what !== undefined) what = `${what} (${lands})`;
  if (what === undefined && isStateFile(session, lands)) what = `state database (${lands})`;
  if (what === undefined) {
    refuseBackendFolderAsOut(ctx, out, lands);
    return;
  }
  throw new StorageError(
    "E_UNSUPPORTED",
    `options.out ${out} is the storage client's own ${what}: the download would replace what the client keeps there (a state database replaced so failed every later start as not a database); fetch to a file of the application's, outside the client's cache, spool and state database files`,
    { details: { option: "out", path: out } },
  );
}

/**
 * An out inside a folder a backend of the client says it alone writes (StorageBackend.ownFolders:
 * the local store's blocks/ and incoming/): the download planted a file among the content-addressed
 * blocks, or replaced a block with other bytes that the store then served for its CID.
 */
function refuseBackendFolderAsOut(ctx: ClientContext, out: string, lands: string): void {
  for (const backend of ctx.pool.endpoints) {
    for (const folder of backend.ownFolders ?? []) {
      if (pathBelow(inRealFolders(folder), lands) === undefined) continue;
      throw new StorageError(
        "E_UNSUPPORTED",
        `options.out ${out} is in the ${backend.kind} backend's own folder ${folder} (${lands}), which it alone writes: the download would plant a file among its stored blocks or replace one; fetch to a file of the application's, outside the backend's folders`,
        { details: { option: "out", path: out } },
      );
    }
  }
}

/** Whether `real` (a path in real folders) is the client's state database or a file kept beside it. */
function isStateFile(session: ClientSession, real: string): boolean {
  const statePath = session.state?.path;
  if (statePath === undefined || statePath === "" || statePath === ":memory:") return false;
  const state = inRealFolders(statePath);
  return dirname(real) === dirname(state) && BESIDE_STATE.some((suffix) => basename(real) === `${basename(state)}${suffix}`);
}

/**
 * share({ path }) of the client's state database (or what is kept beside it), read through links as
 * the upload reads it: the client writes it while the upload reads it, and the file alone is not the
 * database (its latest changes sit in the -wal, the upload's own journal rows among them), so it was
 * shared as a stale copy without a word. A cached or spooled file of the data directory is a forward,
 * shared as before. The CLI refused its home's database for this already.
 */
export function refuseOwnStateAsSource(session: ClientSession, path: string, given: string): void {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return;
  }
  if (!isStateFile(session, real)) return;
  throw new StorageError(
    "E_UNSUPPORTED",
    `${given} is the storage client's own state database (${real}), which it writes while the upload would read it: the file alone is not the database, its latest changes sit in ${basename(session.state?.path ?? "")}-wal beside it; share a copy: db.backup(copy) (better-sqlite3) or sqlite3 ${session.state?.path ?? ""} ".backup copy.sqlite"`,
    { details: { option: "path", path: given } },
  );
}
