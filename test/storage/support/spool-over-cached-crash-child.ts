/**
 * Receives a file into the cache (fetch without out), edits it in place, then shares the original
 * bytes and SIGKILLs itself the moment their spool file gets its real name, before the client
 * records it: the cache still names the received file for that content, and an unfinished upload
 * reads the spool file.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded the spool file first.
 * Usage: node --import tsx spool-over-cached-crash-child.ts <workdir>
 */
import { join } from "node:path";
import { killAtSpoolRename, openChildClient, receiveThenEditInPlace } from "./spool-child.js";

const work = process.argv[2] as string;
const { client, spool } = await openChildClient(work);
// The app edits its received file in place: the share below spools its original bytes.
const { bytes } = await receiveThenEditInPlace(client, work);
killAtSpoolRename(work, spool, (journal, name) => journal.prepare(`SELECT path FROM cache_entries WHERE cid = ?`).pluck().get(name) === join(spool, name));
client.share({ bytes, fileName: "video.mp4" });
