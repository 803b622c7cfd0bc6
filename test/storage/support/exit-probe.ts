/**
 * Runs a client through share, fetch, a stop in the middle of an upload to a hanging endpoint,
 * then stops everything and does NOT call process.exit: the process must end by itself. Prints the
 * handles still active (other than stdio) as JSON on its last line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { StorageBackend } from "../../../src/storage/backend.js";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const dir = mkdtempSync(join(tmpdir(), "scc-exit-"));
const store = createLocalBackend({ dir: join(dir, "store") });
/** An endpoint that never answers a put until aborted, like a Codex node stuck on a block. */
const hanging: StorageBackend = {
  ...store,
  kind: "hanging",
  location: "http://127.0.0.1:9/hang",
  put: (_body, options) =>
    new Promise((_, reject) => {
      options?.signal?.addEventListener("abort", () => reject(options.signal?.reason));
    }),
  get: (cid, options) => store.get(cid, options),
  has: (cid, options) => store.has(cid, options),
  delete: (cid, options) => store.delete(cid, options),
  space: (options) => store.space(options),
  close: async () => undefined,
};
const file = join(dir, "f.bin");
writeFileSync(file, randomBytes(300_000));

const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 1000 });
const { reference } = await client.share({ path: file }).done;
await client.fetch(reference, { out: join(dir, "copy.bin") }).done;
for await (const _ of client.fetchStream(reference)) break;
await client.stop();

const stuck = await StorageClient.open({ protocol: 3, backend: hanging, statePath: join(dir, "s2.sqlite"), dataDir: join(dir, "d2"), retry: { attemptTimeoutMs: 60_000 } });
const job = stuck.share({ path: file });
await new Promise((r) => setTimeout(r, 100));
await stuck.stop();
const outcome = await job.done.then(
  () => "resolved",
  (e: { code?: string }) => e.code,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
// A finished fs request lingers in the list until the loop turns once; what is left after that is real.
await new Promise((r) => setImmediate(r));
const active = process.getActiveResourcesInfo().filter((r) => !/TTY|Pipe|Signal/.test(r));
process.stdout.write(`${JSON.stringify({ outcome, active })}\n`);
