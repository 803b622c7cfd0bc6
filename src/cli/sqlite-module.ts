import { CliError } from "./usage-error.js";

/**
 * Refuses a run that needs SQLite when better-sqlite3's native part cannot load. Its install script
 * builds it, which npm 11 lists as "not yet covered by allowScripts" in an app that installs this
 * package, `--ignore-scripts` skips, and a node_modules built under another Node does not fit. Found
 * by the state's or the storage client's first open, it was `file put`'s E_LOCAL_IO "the home
 * directory must be writable" (exit 5) and every state, storage and bridge cell of `matrix` failed
 * as a bug, the pairs called BROKEN (exit 1): an installation blamed on the home or the releases.
 * A missing module is a missing tool, as buf is: E_TOOL_MISSING, exit 2, nothing run (a command
 * that meets it later, through the state layer, gets E_STATE_SQLITE_UNAVAILABLE, exit 2 as well).
 * `alternative` (a sentence, with its leading space) ends the message with what the command can do without it.
 */
export async function requireSqliteModule(command: string, alternative = ""): Promise<void> {
  // The state layer's own check (the one a library user meets as E_STATE_SQLITE_UNAVAILABLE), loaded
  // only when the command runs, as the layers are.
  const { requireSqliteModule: requireForState, StateError } = await import("../state/index.js");
  try {
    requireForState();
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    throw new CliError("E_TOOL_MISSING", `${command}: ${error.message} Nothing was run.${alternative}`, { cause: error.cause, details: error.details });
  }
}
