/**
 * A log store in its own process, for the crash and multi-process tests.
 * Usage: node --import tsx local-log-child.ts <mode> <store dir> [args]
 *   loop <seed>          puts random blocks (1 B – 1.5 MiB, four at a time) until killed; prints
 *                        "put <cid>" as each put resolves
 *   put <count> <seed>   puts <count> blocks, prints "put <cid>" for each, closes, prints "done"
 *   delete <cid>...      deletes them, closes, prints "done"
 */
import { randomBytes } from "node:crypto";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";

const [mode, dir, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
const store = createLocalBackend({ dir });

/** Block sizes from a seed, so a run is reproducible in size if not in content. */
function sizes(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 1 + ((x >>> 0) % (1536 * 1024));
  };
}

async function putOne(next: () => number): Promise<void> {
  const cid = await store.put(randomBytes(next()));
  process.stdout.write(`put ${cid}\n`);
}

if (mode === "loop") {
  const next = sizes(Number(rest[0] ?? 1));
  const lane = async (): Promise<never> => {
    for (;;) await putOne(next);
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
} else if (mode === "put") {
  const next = sizes(Number(rest[1] ?? 1));
  for (let i = 0; i < Number(rest[0]); i++) await putOne(next);
} else if (mode === "delete") {
  for (const cid of rest) await store.delete(cid);
} else {
  throw new Error(`unknown mode ${mode}`);
}
await store.close();
process.stdout.write("done\n");
