/**
 * Child process for codex-captive-portal.test.ts: shares one file through a storage client whose
 * only endpoint is an https Codex node (trusting the test's CA through NODE_EXTRA_CA_CERTS, which
 * Node reads only at start), and prints the outcome as JSON on stdout.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCodexBackend } from "../../../src/storage/backends/codex/index.js";
import { StorageClient } from "../../../src/storage/index.js";
import { StorageError } from "../../../src/storage/storage-error.js";

const [url, dir] = process.argv.slice(2) as [string, string];
const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(dir, "state.sqlite"),
  dataDir: join(dir, "data"),
  renewEveryMs: 0,
  retry: { baseDelayMs: 50, maxDelayMs: 200, attemptTimeoutMs: 5_000, deadlineMs: 30_000, maxAttempts: 6 },
});
const path = join(dir, "photo.jpg");
writeFileSync(path, Buffer.alloc(10_000, 7));
try {
  const { view } = await client.share({ path }).done;
  process.stdout.write(JSON.stringify({ ok: true, pieces: view.pieces.length }));
} catch (error) {
  const typed = error instanceof StorageError ? error : undefined;
  process.stdout.write(JSON.stringify({ ok: false, code: typed?.code, message: (error as Error).message }));
} finally {
  await client.stop();
  await backend.close();
}
