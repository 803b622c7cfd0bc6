/**
 * Once the writer's thread is up and idle, starts one write of `bytes` to `path` and awaits nothing
 * else: the pending write must keep the process alive until it is done, and the idle writer (never
 * released) must then let it end. Prints the file's size on its last line.
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { BlockWriter } from "../../../src/storage/backends/local/block-writer.js";

const [path, bytes] = process.argv.slice(2) as [string, string];
const writer = BlockWriter.acquire();
await writer.write(new Uint8Array(1), `${path}.first`, dirname(path));
writer.write(new Uint8Array(Number(bytes)).fill(7), path, dirname(path)).then(
  () => process.stdout.write(`${statSync(path).size}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
