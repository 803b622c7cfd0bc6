/**
 * Runs the Codex test server as its own process (for benchmarks, and for trying the real-node
 * suite's wiring: `CODEX_API_URL=<url> npx vitest run test/storage/compliance.codex-real.test.ts`).
 *
 *   node --import tsx test/support/codex-server/main.ts [--prefix /api/storage/v1]
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>"}` and serves until stdin closes or
 * SIGINT/SIGTERM.
 */
import { startCodexTestServer } from "./codex-test-server.js";

const prefixAt = process.argv.indexOf("--prefix");
const prefix = prefixAt >= 0 ? process.argv[prefixAt + 1] : undefined;
const server = await startCodexTestServer(prefix === undefined ? {} : { prefixes: [prefix] });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
process.stdin.once("end", stop);
process.stdin.once("close", stop);
process.stdin.resume();
