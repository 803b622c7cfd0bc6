/**
 * Leaves what a crash leaves when it comes between a share's spool write and its decision to read,
 * instead, the received file of the same bytes that reached the cache meanwhile: the spool file on
 * disk (not journaled), a queued share journaled as reading it, and the cache naming the received
 * file, which holds the same bytes. Made here without timing: the received file is edited before
 * the share (so its bytes are spooled) and restored at the spool file's rename, then SIGKILL.
 * Prints KILLED-EARLY to stderr (and exits 3) when the client recorded the spool file first.
 * Usage: node --import tsx spool-beside-cached-crash-child.ts <workdir>
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
writeFileSync(join(work, "received-path"), received);
const edited = Buffer.from(bytes);
edited[0] = (edited[0] as number) ^ 0xff;
writeFileSync(received, edited);
killAtSpoolRename(work, spool, (journal, name) => {
  const recorded = journal.prepare(`SELECT path FROM cache_entries WHERE cid = ?`).pluck().get(name) !== received;
  if (!recorded) writeFileSync(received, bytes);
  return recorded;
});
client.share({ bytes, fileName: "video.mp4" });
