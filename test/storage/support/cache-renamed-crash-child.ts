/**
 * Shares a file, then fetches it into its own cache and SIGKILLs itself the moment the downloaded
 * file gets its real name in the cache directory (the rename out of `<cid>.<id8>.part`), before the
 * client records it: what an app killed in that instant leaves behind.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded it first.
 * Usage: node --import tsx cache-renamed-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const { client } = await openChildClient(work);
const source = join(work, "sent.bin");
writeFileSync(source, randomBytes(8 * 1024 * 1024));
const { reference } = await client.share({ path: source }).done;
const cache = join(work, "data", "cache");
mkdirSync(cache, { recursive: true });
const peek = new Database(join(work, "state.sqlite"), { readonly: true });
watch(cache, (_event, name) => {
  if (name === null || name.endsWith(".part")) return;
  if ((peek.prepare(`SELECT count(*) FROM cache_entries`).pluck().get() as number) > 0) {
    process.stderr.write("KILLED-EARLY");
    process.exit(3);
  }
  process.kill(process.pid, "SIGKILL");
});
client.fetch(reference);
