/**
 * Shares a file at <start> on a device clock, reads status() 20 days later, writes the reference
 * to <workdir>/reference, then SIGKILLs itself (no stop(), no exit handler): an app the OS killed
 * after it last read the time.
 * Usage: node --import tsx clock-floor-kill-child.ts <workdir> <start ms>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const work = process.argv[2] as string;
const device = { t: Number(process.argv[3]) };
const client = await StorageClient.open({
  protocol: 3,
  backend: createLocalBackend({ dir: join(work, "store") }),
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  renewEveryMs: 0,
  chunkSize: 4096,
  pieceSize: 32 * 1024,
  clock: { now: () => device.t, monotonic: () => performance.now() },
});
const { reference } = await client.share({ bytes: Buffer.alloc(100 * 1024, 5), fileName: "doc.pdf" }).done;
device.t += 20 * 24 * 60 * 60 * 1000;
await client.status(reference);
writeFileSync(join(work, "reference"), reference);
process.kill(process.pid, "SIGKILL");
