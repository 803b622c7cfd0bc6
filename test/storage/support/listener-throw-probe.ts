/**
 * An application whose job listeners throw (a UI bug): on the first progress event and on the
 * state "done". Run in a process of its own that records uncaught errors instead of dying. Prints
 * how the upload's `done` settled (or "hang"), the journal state, and the uncaught messages.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const uncaught: string[] = [];
process.on("uncaughtException", (error) => uncaught.push(String((error as Error).message)));
// The handler above would also swallow a failure of this script's own top-level await (Node hands
// it to 'uncaughtException'), which then ended silently with status 0: say what it was.
let printed = false;
process.on("exit", (code) => {
  if (!printed) process.stdout.write(`${JSON.stringify({ outcome: "script did not finish", code, uncaught })}\n`);
});

const dir = mkdtempSync(join(tmpdir(), "scc-listener-"));
const store = createLocalBackend({ dir: join(dir, "store") });
const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, chunkSize: 4096, pieceSize: 16 * 1024 });
const job = client.share({ bytes: randomBytes(64 * 1024), fileName: "f.bin" });
let progressThrown = false;
job.on("progress", () => {
  if (progressThrown) return;
  progressThrown = true;
  throw new Error("ui bug on progress");
});
job.on("state", (state) => {
  if (state === "done") throw new Error("ui bug on done");
});
const outcome = await Promise.race([
  job.done.then(
    () => "resolved",
    (e: { code?: string }) => `rejected ${e.code ?? String(e)}`,
  ),
  // Generous: a "hang" verdict must mean a hang, not a loaded machine (unref: it costs nothing when the job ends).
  new Promise<string>((resolve) => setTimeout(() => resolve("hang"), 10_000).unref()),
]);
await new Promise((r) => setTimeout(r, 50));
const state = client.jobs().find((j) => j.id === job.id)?.state;
await client.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
printed = true;
process.stdout.write(`${JSON.stringify({ outcome, state, uncaught: uncaught.sort() })}\n`);
