/**
 * Child process for fetch-out-name-very-long.test.ts: a client fetches a shared file to an out whose
 * name is argv[2] characters long (argv[3] "wide" for 3-byte characters), and prints how the fetch
 * ended as JSON. Run as a child so that a fetch() that never returns is killed by the test's
 * deadline instead of stalling the suite.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const n = Number(process.argv[2]);
const char = process.argv[3] === "wide" ? "あ" : "a";
const dir = mkdtempSync(join(tmpdir(), "scc-long-out-"));
const backend = createLocalBackend({ dir: join(dir, "store") });
const client = await StorageClient.open({ protocol: 3, backend, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0 });
try {
  const { reference } = await client.share({ bytes: randomBytes(1024), fileName: "a.bin" }).done;
  const job = client.fetch(reference, { out: join(dir, `${char.repeat(n)}.jpg`) });
  const outcome = await job.done.then(
    () => ({ code: "done" }),
    (error: { code?: string; details?: { code?: string } }) => ({ code: error.code, os: error.details?.code }),
  );
  process.stdout.write(JSON.stringify(outcome));
} finally {
  await client.stop();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
