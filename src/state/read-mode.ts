import { statSync } from "node:fs";
import { realPathOf } from "./real-path.js";
import type { FileProbe } from "./state-file.js";

function walHoldsFrames(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/**
 * Whether a tool that only reads `path` must open it read-only. It opens a writable file
 * read-write, since a read-only connection would leave `-wal`/`-shm` files beside it; but when a
 * `-wal` with frames is already there (an app killed before its last checkpoint, or running), the
 * last read-write connection to close checkpoints those frames into the file and deletes the
 * `-wal`: the original written by a tool that promises not to. Read-only then, which leaves both.
 */
export function readOnlyFor(path: string, probe: FileProbe): boolean {
  // SQLite keeps the -wal beside the file a link leads to.
  return !probe.writable || walHoldsFrames(realPathOf(path));
}
