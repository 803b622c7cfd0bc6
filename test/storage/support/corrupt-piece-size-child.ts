/**
 * Child for corrupt-piece-size.test.ts: opens a client on a journal whose unfinished upload has a
 * piece size no plan can use, and prints what the job ended with. A hang (a plan that never ends)
 * is the parent's timeout; the child runs with a small heap so such a loop dies soon.
 */
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [dir, jobId] = process.argv.slice(2) as [string, string];
const client = await StorageClient.open({
  protocol: 3,
  backend: createLocalBackend({ dir: join(dir, "store") }),
  statePath: join(dir, "s.sqlite"),
  dataDir: join(dir, "d"),
  renewEveryMs: 0,
  // client-fixture's FAST_RETRY and SMALL_PIECES (that module needs vitest, which a child has not).
  retry: { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 20 },
  chunkSize: 4 * 1024,
  pieceSize: 32 * 1024,
  piecesInFlight: 1,
});
const error = await client.job(jobId).done.then(
  () => undefined,
  (e: unknown) => e as { code?: unknown; message?: unknown },
);
const state = client.jobs().find((j) => j.id === jobId)?.state;
await client.stop();
process.stdout.write(`${JSON.stringify({ code: error?.code, state, message: error?.message })}\n`);
