/**
 * Receives a file into the cache (fetch without out), then forwards it by its path and dies
 * (SIGKILL) the moment the client journals the forward's upload: after share() pinned the cached
 * file, before the upload's row exists. Writes the reference of a second file, shared but not
 * fetched, to `<work>/other.ref` for the test to fetch after the next start.
 * Usage: node forward-pin-crash-child.js <workdir>
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UploadJournal } from "../../../src/storage/journal/upload-journal.js";
import { openChildClient } from "./spool-child.js";

const work = process.argv[2] as string;
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
UploadJournal.prototype.create = () => {
  process.kill(process.pid, "SIGKILL");
};
client.share({ path: received });
