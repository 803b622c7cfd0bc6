/**
 * Receives a file into the cache (fetch without out), then forwards it by its path and dies
 * (SIGKILL): `journal`, the moment the client journals the forward's upload (share() pins the
 * cached file first); `cancel`, once the forward is cancelled and the journal says so, before the
 * cancel gives the file's pin back. Writes the reference of a second file, shared but not fetched,
 * to `<work>/other.ref` for the test to fetch after the next start.
 * Usage: node forward-pin-crash-child.js <workdir> journal|cancel
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UploadJournal } from "../../../src/storage/journal/upload-journal.js";
import { openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
const moment = process.argv[3] as "journal" | "cancel";
const { client } = await openChildClient(work);
const write = (name: string): string => {
  const path = join(work, name);
  writeFileSync(path, randomBytes(100 * 1024));
  return path;
};
const { reference } = await client.share({ path: write("photo.jpg") }).done;
const other = await client.share({ path: write("video.mp4") }).done;
writeFileSync(join(work, "other.ref"), other.reference);
const { path: received } = await client.fetch(reference).done;
if (moment === "journal") {
  UploadJournal.prototype.create = () => {
    process.kill(process.pid, "SIGKILL");
  };
}
const forward = client.share({ path: received });
if (moment === "cancel") {
  // Told as the journal's write is made, before the cancel's clean-up runs.
  forward.on("state", (state) => {
    if (state === "cancelled") process.kill(process.pid, "SIGKILL");
  });
  client.cancel(forward.id);
}
