import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";

/**
 * Writes a command's side output (`--out`, `--metrics`) whole or not at all: beside the file and
 * renamed onto it, so a write the disk refuses part-way leaves no part of it (a CI job took the
 * truncated file for the output); on failure the earlier file goes too, as the write would have
 * replaced it, and the error is thrown. What is not a regular file is written in place: a pipe, a
 * terminal or /dev/stdout has no part to leave, and a rename would replace it with a file (its
 * reader waited for ever; as root, /dev/stdout itself). A link keeps pointing at the file it names,
 * which is the one replaced.
 */
export function writeWholeFile(path: string, text: string): void {
  const there = statOf(path);
  if (there !== undefined && !there.isFile()) {
    writeFileSync(path, text);
    return;
  }
  const target = there === undefined ? path : realpathSync(path);
  const partial = `${target}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, target);
  } catch (error) {
    for (const leftover of [partial, target]) {
      try {
        rmSync(leftover, { force: true });
      } catch {
        // A folder put there meanwhile: not an output of ours; the caller says the output is lost.
      }
    }
    throw error;
  }
}

/** What the path leads to (links followed); undefined when nothing is there yet. */
function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    // Nothing there (or nothing reachable): the write below says why, if it cannot be made.
    return undefined;
  }
}
