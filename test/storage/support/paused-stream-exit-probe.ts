/**
 * A stream whose consumer holds a chunk (a paused video) when the client stops, and never reads
 * again or returns it: the stopped client must still let the process end by itself. Prints the
 * handles still active (other than stdio) as JSON on its last line, then ends without process.exit.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const dir = mkdtempSync(join(tmpdir(), "scc-paused-exit-"));
const store = createLocalBackend({ dir: join(dir, "store") });
const file = join(dir, "f.bin");
writeFileSync(file, randomBytes(300_000));
const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0 });
const { reference } = await client.share({ path: file }).done;
const stream = client.fetchStream(reference);
// The first chunk is in the consumer's hand; nothing reads on.
const first = await stream.next();
await client.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
await new Promise((r) => setImmediate(r));
const active = process.getActiveResourcesInfo().filter((r) => !/TTY|Pipe|Signal/.test(r));
process.stdout.write(`${JSON.stringify({ held: first.done === false, active })}\n`);
