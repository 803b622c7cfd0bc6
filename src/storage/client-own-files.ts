import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import type { ClientContext } from "./client-context.js";
import type { ClientSession } from "./client-session.js";
import { inRealFolders } from "./real-folders.js";
import { StorageError } from "./storage-error.js";

/** What SQLite and the state layer keep beside a state database, by the suffix of its name. */
const BESIDE_STATE = ["", "-wal", "-shm", "-journal", ".client-lock", ".migrate-lock"];

/**
 * A fetch's `out` that lands (by real folders, as a download lands) on one of the client's own
 * files: its state database and what is kept beside it, or anything in its data directory (lock,
 * cache, spool). The download was renamed onto the live state database (the running client went on
 * through its open descriptor) and the next start failed E_STATE_NOT_A_DATABASE, every journaled
 * job and upload key lost; an app saving received files into its data folder under the name a
 * reference carries (the sender's choice) did so. The CLI refused this for its home already.
 */
export function refuseOwnFileAsOut(session: ClientSession, ctx: ClientContext, out: string, dest: string): void {
  const lands = inRealFolders(dest);
  const home = dirname(inRealFolders(join(dirname(ctx.dirs.cache), "-")));
  const rel = relative(home, lands);
  let what: string | undefined = rel === "" || (!rel.startsWith("..") && !isAbsolute(rel)) ? `data directory (${home}${rel === "" ? "" : `${sep}${rel}`})` : undefined;
  const statePath = session.state?.path;
  if (what === undefined && statePath !== undefined && statePath !== "" && statePath !== ":memory:") {
    const state = inRealFolders(statePath);
    if (dirname(lands) === dirname(state) && BESIDE_STATE.some((suffix) => basename(lands) === `${basename(state)}${suffix}`)) what = `state database (${lands})`;
  }
  if (what === undefined) return;
  throw new StorageError(
    "E_UNSUPPORTED",
    `options.out ${out} is the storage client's own ${what}: the download would replace what the client keeps there (a state database replaced so failed every later start as not a database); fetch to a file of the application's, outside the data directory and the state database's files`,
    { details: { option: "out", path: out } },
  );
}
