/**
 * Receives a file into the cache (fetch without out), edits it in place, then shares the original
 * bytes and SIGKILLs itself the moment their spool file gets its real name, before the client
 * records it: the cache still names the received file for that content, and an unfinished upload
 * reads the spool file.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded the spool file first.
 * Usage: node --import tsx spool-over-cached-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, watch, writeFileSync } from "node:fs";
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
const bytes = randomBytes(8 * 1024 * 1024);
const source = join(work, "sent.bin");
writeFileSync(source, bytes);
const { reference } = await client.share({ path: source }).done;
const { path: received } = await client.fetch(reference).done;
// The app edits its received file in place (same size): the cache still names it for the content,
// but it no longer holds the bytes, so the share below spools them.
const edited = Buffer.from(bytes);
edited[0] = (edited[0] as number) ^ 0xff;
writeFileSync(received, edited);
const peek = new Database(join(work, "state.sqlite"), { readonly: true });
watch(spool, (_event, name) => {
  if (name === null || name.startsWith(".")) return;
  const recorded = peek.prepare(`SELECT path FROM cache_entries WHERE cid = ?`).pluck().get(name) as string | undefined;
  if (recorded === join(spool, name)) {
    process.stderr.write("KILLED-EARLY");
    process.exit(3);
  }
  process.kill(process.pid, "SIGKILL");
});
client.share({ bytes, fileName: "video.mp4" });
