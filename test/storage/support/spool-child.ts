/** What the spool crash children share: their client, and killing themselves as a spool file gets its name. */
import { mkdirSync, watch } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

/** The client a test later reopens on `work` (store, state and data directory under it). */
export async function openChildClient(work: string): Promise<{ client: StorageClient; spool: string }> {
  const spool = join(work, "data", "spool");
  mkdirSync(spool, { recursive: true });
  const client = await StorageClient.open({
    protocol: 3,
    backend: createLocalBackend({ dir: join(work, "store") }),
    statePath: join(work, "state.sqlite"),
    dataDir: join(work, "data"),
    renewEveryMs: 0,
  });
  return { client, spool };
}

/**
 * SIGKILLs this process the moment a file in `spool` gets its real name (a rename out of a dot-named
 * temp file). When `recordedFirst` says the client had already journaled it (the race was lost),
 * prints KILLED-EARLY to stderr and exits 3 instead, so the test fails loudly rather than passing.
 */
export function killAtSpoolRename(work: string, spool: string, recordedFirst: (journal: Database.Database, name: string) => boolean): void {
  const peek = new Database(join(work, "state.sqlite"), { readonly: true });
  watch(spool, (_event, name) => {
    if (name === null || name.startsWith(".")) return;
    if (recordedFirst(peek, name)) {
      process.stderr.write("KILLED-EARLY");
      process.exit(3);
    }
    process.kill(process.pid, "SIGKILL");
  });
}
