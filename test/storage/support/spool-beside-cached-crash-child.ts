/**
 * Leaves what a crash leaves when it comes between a share's spool write and its decision to read,
 * instead, the received file of the same bytes that reached the cache meanwhile: the spool file on
 * disk (not journaled), a queued share journaled as reading it, and the cache naming the received
 * file, which holds the same bytes. Made here without timing: the received file is edited before
 * the share (so its bytes are spooled) and restored at the spool file's rename, then SIGKILL.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded the spool file first.
 * Usage: node --import tsx spool-beside-cached-crash-child.ts <workdir>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { killAtSpoolRename, openChildClient, receiveThenEditInPlace } from "./spool-child.js";

const work = process.argv[2] as string;
const { client, spool } = await openChildClient(work);
const { bytes, received } = await receiveThenEditInPlace(client, work);
writeFileSync(join(work, "received-path"), received);
killAtSpoolRename(work, spool, (journal, name) => {
  const recorded = journal.prepare(`SELECT path FROM cache_entries WHERE cid = ?`).pluck().get(name) !== received;
  if (!recorded) writeFileSync(received, bytes);
  return recorded;
});
client.share({ bytes, fileName: "video.mp4" });
