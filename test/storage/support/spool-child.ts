/** What the spool crash children share: their client, a received file edited in place, and killing themselves as a spool file gets its name. */
import { randomBytes } from "node:crypto";
import { mkdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";
import { editInPlace } from "./edit-in-place.js";

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
 * Shares 8 MiB of random bytes from a file in `work`, fetches them into the cache (`received`) and
 * edits that file in place (same size): the cache still names it for the content, but it no longer
 * holds the bytes, so a share of them spools them.
 */
export async function receiveThenEditInPlace(client: StorageClient, work: string): Promise<{ bytes: Buffer; received: string }> {
  const bytes = randomBytes(8 * 1024 * 1024);
  const source = join(work, "sent.bin");
  writeFileSync(source, bytes);
  const { reference } = await client.share({ path: source }).done;
  const { path: received } = await client.fetch(reference).done;
  editInPlace(received, bytes, 0);
  return { bytes, received };
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
