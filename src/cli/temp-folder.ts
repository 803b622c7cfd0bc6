import { tmpdir } from "node:os";

/**
 * The temp folder as os.tmpdir() finds it, but from `env`, the env `main()` was given: os.tmpdir()
 * reads the process's own, so an embedder or a test running `main()` with TMPDIR set apart from it
 * had the matrix's and the rehearsal's work folders (copies the size of the database) made in the
 * process's temp folder instead, and `matrix` named that folder when it could not make one.
 * The same variables in the same order as Node; Windows without TEMP or TMP in `env` falls back to
 * Node's own answer (it derives one from SystemRoot).
 */
export function tempFolderOf(env: NodeJS.ProcessEnv): string {
  const windows = process.platform === "win32";
  for (const name of windows ? ["TEMP", "TMP"] : ["TMPDIR", "TMP", "TEMP"]) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    // A trailing separator is dropped, as Node does (but not the root's own).
    const trailing = windows ? /[\\/]+$/ : /\/+$/;
    const trimmed = value.replace(trailing, "");
    return trimmed === "" || (windows && /^[A-Za-z]:$/.test(trimmed)) ? value : trimmed;
  }
  return windows ? tmpdir() : "/tmp";
}
