// Run with test/cli/support/sqlite-binding-missing.ts preloaded (better-sqlite3's native part cannot
// load): opens a state with openState, then starts a storage client on a local backend, and prints
// what each rejected with as one JSON line: [{ name, code, message }, ...].
import { join } from "node:path";
import { openState } from "../../../src/state/index.js";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const dir = process.argv[2] as string;
const outcomes: { name: string; code?: unknown; message: string }[] = [];
const record = (error: unknown): void => {
  const e = error as Error & { code?: unknown };
  outcomes.push({ name: e.constructor.name, code: e.code, message: e.message });
};
await openState({ path: join(dir, "state.db") }).then((s) => s.close(), record);
await StorageClient.open({ protocol: 3, backend: createLocalBackend({ dir: join(dir, "store") }), statePath: join(dir, "client.db"), dataDir: join(dir, "data") }).then(
  (c) => c.stop(),
  record,
);
process.stdout.write(JSON.stringify(outcomes) + "\n");
