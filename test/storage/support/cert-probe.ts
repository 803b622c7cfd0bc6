/**
 * Child process for codex-cert-clock.test.ts: asks a Codex endpoint over https (trusting the test's
 * CA through NODE_EXTRA_CA_CERTS, which Node reads only at start) for its space, and prints the
 * typed error as JSON on stdout.
 */
import { createCodexBackend } from "../../../src/storage/backends/codex/index.js";
import { StorageError } from "../../../src/storage/storage-error.js";

const url = process.argv[2] as string;
const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
try {
  await backend.space();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (error) {
  const typed = error instanceof StorageError ? error : undefined;
  process.stdout.write(JSON.stringify({ code: typed?.code, message: (error as Error).message, details: typed?.details, retryable: typed?.retryable }));
} finally {
  await backend.close();
}
