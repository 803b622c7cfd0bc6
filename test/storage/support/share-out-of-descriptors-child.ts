/**
 * Child for share-unreadable-source.test.ts, run under a low descriptor limit (ulimit -n): opens
 * descriptors until the process has none left, shares a readable file, gives them back and prints
 * what share() threw (if anything) and how the upload ended.
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [work] = process.argv.slice(2) as [string];
const backend = createLocalBackend({ dir: join(work, "store") });
const client = await StorageClient.open({ protocol: 3, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), renewEveryMs: 0 });
const path = join(work, "photo.jpg");
writeFileSync(path, "a photo of the album");
const held: number[] = [];
let thrown: unknown;
let done: Promise<unknown> | undefined;
try {
  for (;;) held.push(openSync(path, "r"));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== "EMFILE") throw error;
}
try {
  done = client.share({ path }).done;
} catch (error) {
  thrown = (error as { code?: unknown }).code;
}
for (const fd of held) closeSync(fd);
const settled = await done?.then(
  () => "shared",
  (error: unknown) => (error as { code?: unknown }).code,
);
await client.stop();
await backend.close();
process.stdout.write(`${JSON.stringify({ thrown, settled, held: held.length })}\n`);
