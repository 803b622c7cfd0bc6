import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { lockPathFor } from "./migration-lock.js";
import { realPathOf } from "./real-path.js";
import type { FileProbe } from "./state-file.js";
import { StateError } from "./state-error.js";

/**
 * A migration that commits makes files beside the database (beside the file a link leads to):
 * the `-wal` and `-shm` (switching a rollback-journal file to WAL, or opening a WAL file without
 * them) and the `.migrate-lock`. A writable file in a folder where nothing can be created (another
 * user's, mode 0555) failed part way for each of them, and the dry runs, which create none, said
 * the real run would go through. Undefined: the folder is writable, or all three are already there.
 */
export function sidecarsRefused(path: string, probe: FileProbe, action: string): StateError | undefined {
  if (!probe.exists || probe.folderWritable) return undefined;
  const real = realPathOf(path);
  const missing = [`${real}-wal`, `${real}-shm`, lockPathFor(path)].filter((file) => !existsSync(file));
  if (missing.length === 0) return undefined;
  const folder = dirname(real);
  return new StateError(
    "E_STATE_READ_ONLY",
    `${path} is writable but its folder ${folder} is not: ${action} creates ${missing.map((f) => f.slice(folder.length + 1)).join(", ")} there. ` +
      "Nothing was written. Make the folder writable for this user, or migrate a copy in a folder that is.",
    { details: { path, folder, missing } },
  );
}
