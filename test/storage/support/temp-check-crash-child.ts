/**
 * Opens a client on <workdir>/state.sqlite, whose journal holds a download to resume, and SIGKILLs
 * itself at the first journal write of verified pieces: the resume's check of its temp file (a
 * file shorter than the journal says) writes that first, so the kill lands inside that check.
 * Usage: node --import tsx temp-check-crash-child.ts <workdir>
 */
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";
import { DownloadJournal } from "../../../src/storage/journal/download-journal.js";

const [work] = process.argv.slice(2) as [string];
DownloadJournal.prototype.recordPieces = () => void process.kill(process.pid, "SIGKILL");
const backend = createLocalBackend({ dir: join(work, "store") });
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  chunkSize: 4096,
  pieceSize: 32 * 1024,
  renewEveryMs: 0,
});
await Promise.all(client.jobs().map((j) => client.job(j.id).done.catch(() => undefined)));
process.stderr.write("the resume ended without the kill\n");
process.exit(1);
