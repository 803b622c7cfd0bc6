/**
 * Child for temp-name-taken.test.ts, run as a user who may not remove what is at a queued download's
 * temp file's name (another user's link in a sticky folder; as root the test runs this as 65534).
 * Starts a client on `<work>`'s state, whose journal holds that download queued; prints how the
 * download's job ended as JSON.
 */
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [work, id] = process.argv.slice(2) as [string, string];
const backend = createLocalBackend({ dir: join(work, "store") });
const client = await StorageClient.open({ protocol: 3, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), renewEveryMs: 0 });
let outcome: unknown;
try {
  await client.job(id).done;
  outcome = "done";
} catch (error) {
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  outcome = { code, message, details };
}
const state = client.jobs().find((job) => job.id === id)?.state;
await client.stop();
await backend.close();
process.stdout.write(JSON.stringify({ outcome, state }));
