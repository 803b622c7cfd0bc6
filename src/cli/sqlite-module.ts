import { CliError } from "./usage-error.js";

/**
 * Refuses a run that needs SQLite when better-sqlite3's native part cannot load. Its install script
 * builds it, which npm 11 lists as "not yet covered by allowScripts" in an app that installs this
 * package, `--ignore-scripts` skips, and a node_modules built under another Node does not fit. Found
 * by the state's or the storage client's first open, it was `file put`'s E_LOCAL_IO "the home
 * directory must be writable" (exit 5) and every state, storage and bridge cell of `matrix` failed
 * as a bug, the pairs called BROKEN (exit 1): an installation blamed on the home or the releases.
 * A missing module is a missing tool, as buf is: E_TOOL_MISSING, exit 2, nothing run.
 * `alternative` (a sentence, with its leading space) ends the message with what the command can do without it.
 */
export async function requireSqliteModule(command: string, alternative = ""): Promise<void> {
  try {
    const { default: Database } = await import("better-sqlite3");
    new Database(":memory:").close();
  } catch (error) {
    // One line: `bindings` lists every path it tried, Node's dlopen message spans five.
    const why = (error instanceof Error ? error.message : String(error)).split(/\sTried:/)[0]?.replace(/\s+/g, " ").trim().replace(/\.$/, "");
    throw new CliError(
      "E_TOOL_MISSING",
      `${command}: better-sqlite3, the SQLite module status-compat keeps its state with, cannot load its native part (${why}). ` +
        `Its install script builds it for the Node that runs it (${process.version}): run \`npm rebuild better-sqlite3\` where status-codex-compat is installed ` +
        `(npm 11 runs a dependency's install script once it is approved: \`npm install-scripts approve better-sqlite3\` first). Nothing was run.${alternative}`,
      { cause: error, details: { module: "better-sqlite3", node: process.version } },
    );
  }
}
