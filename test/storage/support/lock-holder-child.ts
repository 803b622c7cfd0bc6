/**
 * Starts a storage client on <workdir>'s data directory and state database, says so by creating
 * <workdir>/ready, and holds it until <workdir>/go appears; then SIGKILLs itself, still holding it
 * (no stop, no exit handler): what an app killed by the OS leaves behind.
 * Usage: node --import tsx lock-holder-child.ts <workdir>
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const work = process.argv[2] as string;
await StorageClient.open({
  protocol: 3,
  backend: createLocalBackend({ dir: join(work, "store") }),
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  renewEveryMs: 0,
});
writeFileSync(join(work, "ready"), "");
const watch = (): void => {
  if (existsSync(join(work, "go"))) process.kill(process.pid, "SIGKILL");
  else setTimeout(watch, 10);
};
watch();
