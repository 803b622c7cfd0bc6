/**
 * An app whose upload kills its process, for the crash-loop tests: the parent starts it again and
 * again on the same journal. Usage: node --import tsx crash-loop-child.ts <same-point|after-progress> <workdir> <file>
 *
 * - same-point: the first put of every run kills the process (SIGKILL) before it stores anything:
 *   an out-of-memory or a native crash at the same place each time.
 * - same-point-get: likewise for a download: the first run shares the file, then fetches it, and
 *   the first get of every run kills the process.
 * - after-progress: every run dies (SIGKILL) right after the journal recorded a piece of the upload:
 *   a phone whose system ends the app during each session, on a link that gets a piece through.
 *
 * It appends "put" or "get" to <workdir>/calls.log before each put or get (appendFileSync: survives the kill). A
 * run that is not killed prints one JSON line: how its handle of the upload settled, and the job as
 * jobs() lists it. Only the first run shares (or fetches) the file; the others find the job in the journal.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { BackendCallOptions, GetResult, PutOptions, StorageBackend } from "../../../src/storage/backend.js";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [mode, work, file] = process.argv.slice(2) as [string, string, string];
const log = join(work, "calls.log");

function dying(inner: StorageBackend): StorageBackend {
  return {
    kind: inner.kind,
    location: inner.location,
    async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions) {
      appendFileSync(log, "put\n");
      if (mode === "same-point") process.kill(process.pid, "SIGKILL");
      return inner.put(body, options);
    },
    async get(cid: string, options?: BackendCallOptions): Promise<GetResult> {
      appendFileSync(log, "get\n");
      if (mode === "same-point-get") process.kill(process.pid, "SIGKILL");
      return inner.get(cid, options);
    },
    has: (cid, options) => inner.has(cid, options),
    delete: (cid, options) => inner.delete(cid, options),
    space: (options) => inner.space(options),
    close: () => inner.close(),
  };
}

const backend = dying(createLocalBackend({ dir: join(work, "store") }));
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  chunkSize: 4096,
  pieceSize: 16 * 1024,
  piecesInFlight: 1,
  renewEveryMs: 0,
  retry: { baseDelayMs: 5, maxDelayMs: 20 },
});
const kind = mode === "same-point-get" ? "download" : "upload";
const existing = client.jobs().find((j) => j.kind === kind);
const job =
  existing !== undefined
    ? client.job(existing.id)
    : kind === "upload"
      ? client.share({ path: file })
      : client.fetch((await client.share({ path: file }).done).reference, { out: join(work, "back.jpg") });
// Progress of this run: the journal has recorded one more piece (the handle starts at what it had).
if (mode === "after-progress") job.on("progress", () => process.kill(process.pid, "SIGKILL"));
const settled = await job.done.then(
  () => ({ outcome: "done" }),
  (error: { code?: string }) => ({ outcome: "failed", code: error.code }),
);
const row = client.jobs().find((j) => j.id === job.id);
process.stdout.write(`${JSON.stringify({ ...settled, state: row?.state, attempts: row?.attempts, lastError: row?.lastError })}\n`);
await client.stop();
await backend.close();
