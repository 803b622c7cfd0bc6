/**
 * Shares bytes and SIGKILLs itself the moment their spool file gets its real name (the rename out of
 * the temp file), before the client records it: what an app killed in that instant leaves behind.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded it first.
 * Usage: node --import tsx spool-renamed-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, watch } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const work = process.argv[2] as string;
const spool = join(work, "data", "spool");
mkdirSync(spool, { recursive: true });
const client = await StorageClient.open({
  protocol: 3,
  backend: createLocalBackend({ dir: join(work, "store") }),
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  renewEveryMs: 0,
});
const peek = new Database(join(work, "state.sqlite"), { readonly: true });
watch(spool, (_event, name) => {
  if (name === null || name.startsWith(".")) return;
  if ((peek.prepare(`SELECT count(*) FROM cache_entries`).pluck().get() as number) > 0) {
    process.stderr.write("KILLED-EARLY");
    process.exit(3);
  }
  process.kill(process.pid, "SIGKILL");
});
client.share({ bytes: randomBytes(8 * 1024 * 1024), fileName: "video.mp4" });
