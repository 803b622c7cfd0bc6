/**
 * Receives a file into the cache (fetch without out), edits it in place, then shares the original
 * bytes and SIGKILLs itself the moment their spool file gets its real name, before the client
 * records it: the cache still names the received file for that content, and an unfinished upload
 * reads the spool file.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded the spool file first.
 * Usage: node --import tsx spool-over-cached-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAtSpoolRename, openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const { client, spool } = await openChildClient(work);
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
killAtSpoolRename(work, spool, (journal, name) => journal.prepare(`SELECT path FROM cache_entries WHERE cid = ?`).pluck().get(name) === join(spool, name));
client.share({ bytes, fileName: "video.mp4" });
