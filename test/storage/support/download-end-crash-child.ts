/**
 * Downloads ref.bin to <workdir>/out-<mode>.bin and SIGKILLs itself at a chosen moment:
 * - fail: as the journal records the download failed (a piece is missing from the store), before
 *   the run removes its temp file;
 * - cancel: cancels at the first progress, and dies as the journal records it cancelled;
 * - midway: after two pieces, a download still running.
 * Usage: node --import tsx download-end-crash-child.ts <workdir> <fail|cancel|midway>
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import type { GetOptions, StorageBackend } from "../../../src/storage/backend.js";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [work, mode] = process.argv.slice(2) as [string, "fail" | "cancel" | "midway"];
const die = (): void => void process.kill(process.pid, "SIGKILL");

const inner = createLocalBackend({ dir: join(work, "store") });
/** Slowed down, so a cancel or a kill lands while the download runs. */
const backend: StorageBackend = {
  kind: inner.kind,
  location: inner.location,
  put: (body, options) => inner.put(body, options),
  async get(cid: string, options?: GetOptions) {
    await sleep(20);
    return inner.get(cid, options);
  },
  has: (cid, options) => inner.has(cid, options),
  delete: (cid, options) => inner.delete(cid, options),
  space: (options) => inner.space(options),
  close: () => inner.close(),
};
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  chunkSize: 4096,
  pieceSize: 32 * 1024,
  piecesInFlight: 2,
  renewEveryMs: 0,
  retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
});
const job = client.fetch(readFileSync(join(work, "ref.bin")), { out: join(work, `out-${mode}.bin`) });
// Listeners run inside the journal transition, right after its row is written: the kill lands
// between the row and the removal of the temp file that follows it.
job.on("state", (state) => {
  if (state === "failed" || state === "cancelled") die();
});
job.on("progress", (p) => {
  if (mode === "cancel") job.cancel();
  if (mode === "midway" && p.piecesDone >= 2) die();
});
await job.done.catch(() => undefined);
process.stderr.write(`the download ended without the kill (state ${job.state})\n`);
process.exit(1);
