// A folder's removal (rmSync, recursive) racing a process that keeps writing into it, decided for the
// writer. Node 20's rmSync (lib/internal/fs/rimraf.js) empties a folder, then takes it away with
// fs.rmdirSync, looked up at each call; a removal that reached that step between two of the writer's
// entries found the folder empty and won, and a test expecting the removal to fail (ENOTEMPTY)
// failed (once in CI-like conditions at load 11). For the writer's folders that step now waits
// until the writer has put an entry back, as it does when the writer wins, so the real rmdir meets a
// folder not empty (ENOTEMPTY from the kernel). Checked before use with a probe folder: a Node whose
// rmSync does not go through fs.rmdirSync (native from Node 22) runs the race as it was, and
// `holdable` says so.
import fs, { mkdtempSync, readdirSync, writeFileSync, type PathLike, type RmDirOptions } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface HeldFolderRemoval {
  /** This Node's rmSync goes through fs.rmdirSync, so the race is decided; else it runs as it was. */
  readonly holdable: boolean;
  /** A removal's last rmdir of a writer's folder waited for the writer's next entry. */
  readonly held: boolean;
  /** Puts fs.rmdirSync back. */
  restore(): void;
}

/** Holds each rmdir of a folder `isWriters` names, while it is empty, until it is not (at most 20 s). */
export function holdRemovalOfWrittenFolders(isWriters: (folder: string) => boolean, onHeld?: (folder: string) => void): HeldFolderRemoval {
  const rmdirSync = fs.rmdirSync;
  let probe: string | undefined;
  let probed = false;
  let held = false;
  fs.rmdirSync = (path: PathLike, options?: RmDirOptions): void => {
    const folder = String(path);
    if (folder === probe) probed = true;
    if (isWriters(folder)) {
      const pause = new Int32Array(new SharedArrayBuffer(4));
      for (let waited = 0; isEmpty(folder) && waited < 20_000; waited += 5) Atomics.wait(pause, 0, 0, 5);
      if (!held) onHeld?.(folder);
      held = true;
    }
    rmdirSync(path, options);
  };
  probe = mkdtempSync(join(tmpdir(), "held-removal-probe-"));
  writeFileSync(join(probe, "entry"), "");
  fs.rmSync(probe, { recursive: true });
  return {
    holdable: probed,
    get held() {
      return held;
    },
    restore: () => {
      fs.rmdirSync = rmdirSync;
    },
  };
}

function isEmpty(folder: string): boolean {
  try {
    return readdirSync(folder).length === 0;
  } catch {
    return false; // Gone: the rmdir says what it finds.
  }
}
