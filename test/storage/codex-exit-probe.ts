/**
 * Child-process probe for codex-timeouts.test.ts: exercises a Codex backend (download, abandoned
 * download, hung call cut by the caller's deadline, upload), closes it, prints the outcome codes
 * as one JSON line and then simply returns. The parent checks that the process exits on its own,
 * i.e. that no socket or timer outlived close().
 *
 *   node --import tsx test/storage/codex-exit-probe.ts <server-url> <cid> [--no-close]
 */
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";

const [url, cid, flag] = process.argv.slice(2);
if (url === undefined || cid === undefined) {
  process.stderr.write("usage: codex-exit-probe.ts <server-url> <cid> [--no-close]\n");
  process.exit(2);
}
// Long deadlines: a deadline timer left behind would keep this process alive for a minute.
const backend = createCodexBackend({ url, requestTimeoutMs: 60_000 });

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

const results = [
  await outcome(async () => {
    for await (const chunk of (await backend.get(cid)).body) void chunk;
  }),
  // Headers received, body never read: close() has to cut this socket.
  await outcome(() => backend.get(cid)),
  // The parent scripted /exists to hang; the caller's own deadline ends it.
  await outcome(() => backend.has(cid, { signal: AbortSignal.timeout(300) })),
  await outcome(() => backend.put(new Uint8Array(70_000).fill(7))),
];
if (flag !== "--no-close") await backend.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
