/**
 * Shares bytes and SIGKILLs itself the moment their spool file gets its real name (the rename out of
 * the temp file), before the client records it: what an app killed in that instant leaves behind.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded it first.
 * Usage: node --import tsx spool-renamed-crash-child.ts <workdir>
 */
import { randomBytes } from "node:crypto";
import { killAtSpoolRename, openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const { client, spool } = await openChildClient(work);
killAtSpoolRename(work, spool, (journal) => (journal.prepare(`SELECT count(*) FROM cache_entries`).pluck().get() as number) > 0);
client.share({ bytes: randomBytes(8 * 1024 * 1024), fileName: "video.mp4" });
