import Database from "better-sqlite3";
import { StateError } from "./state-error.js";

let loaded = false;

/**
 * Refuses with E_STATE_SQLITE_UNAVAILABLE when better-sqlite3's native part cannot load. Its install
 * script builds it, which npm 11 lists as "not yet covered by allowScripts" in an app that installs
 * this package, `--ignore-scripts` skips, and a node_modules built under another Node does not fit.
 * The constructor loads it on first use and throws the loader's plain Error ("Could not locate the
 * bindings file", a NODE_MODULE_VERSION mismatch): openState rejected with that, and the storage
 * client's lock called it E_LOCAL_IO asking for a writable home. Called before each first
 * `new Database` of the layer (connection, lock file, catalog replay); once it has loaded it costs a
 * flag's read. The CLI's commands check with it before touching anything (src/cli/sqlite-module.ts).
 */
export function requireSqliteModule(): void {
  if (loaded) return;
  try {
    new Database(":memory:").close();
  } catch (error) {
    // One line: `bindings` lists every path it tried, Node's dlopen message spans five.
    const why = (error instanceof Error ? error.message : String(error)).split(/\sTried:/)[0]?.replace(/\s+/g, " ").trim().replace(/\.$/, "");
    throw new StateError(
      "E_STATE_SQLITE_UNAVAILABLE",
      `better-sqlite3, the SQLite module status-compat keeps its state with, cannot load its native part (${why}). ` +
        `Its install script builds it for the Node that runs it (${process.version}): run \`npm rebuild better-sqlite3\` where status-codex-compat is installed ` +
        `(npm 11 runs a dependency's install script once it is approved: \`npm install-scripts approve better-sqlite3\` first).`,
      { cause: error, details: { module: "better-sqlite3", node: process.version } },
    );
  }
  loaded = true;
}
