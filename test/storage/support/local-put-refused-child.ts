/**
 * Child for local-store-full-disk.test.ts, run under a file-size limit: puts a file's read stream
 * into the local store at argv[2]; the disk refuses the block. Prints what the put threw and whether
 * the source stream was closed (its file descriptor given back).
 */
import { createReadStream } from "node:fs";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";

const [storeDir, sourcePath] = process.argv.slice(2) as [string, string];
const store = createLocalBackend({ dir: storeDir });
const source = createReadStream(sourcePath, { highWaterMark: 64 * 1024 });
let code: unknown;
try {
  await store.put(source);
  code = "stored";
} catch (error) {
  code = (error as { code?: unknown }).code;
}
// A stream handed back closes on its own within a turn or two; one left open holds its descriptor.
await new Promise((resolve) => setTimeout(resolve, 200));
const small = await store.put(Buffer.from("fits")).then(
  () => "stored",
  (error: unknown) => (error as { code?: unknown }).code,
);
await store.close();
process.stdout.write(`${JSON.stringify({ code, sourceClosed: source.closed, small })}\n`);
