/**
 * Child for share-unreadable-source.test.ts, run as a user who may not read a mode-000 file (root
 * reads any file, so the test runs this as an unprivileged one). In the folder argv[2]:
 *  - `new`: shares a file it may not read; prints what share() threw and the jobs the journal holds;
 *  - `folder`: the same for a file in a folder it may not enter;
 *  - `resumed`: shares a readable file while the store holds the first upload, makes the file
 *    unreadable before its upload runs, and prints how that upload ended and how its retry() did
 *    once the file is readable again.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";
import { InstrumentedBackend } from "./instrumented-backend.js";

const [work, scenario] = process.argv.slice(2) as [string, "new" | "folder" | "resumed"];
const backend = new InstrumentedBackend(createLocalBackend({ dir: join(work, "store") }));
let open!: () => void;
const gate = new Promise<void>((resolve) => (open = resolve));
if (scenario === "resumed") backend.beforePut = () => gate;
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(work, "state.sqlite"),
  dataDir: join(work, "data"),
  renewEveryMs: 0,
  jobsInFlight: 1,
});
const outcome = (error: unknown): { code: unknown; message: unknown; details: unknown } => {
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  return { code, message, details };
};
let result: Record<string, unknown>;
if (scenario === "new" || scenario === "folder") {
  const folder = scenario === "new" ? work : join(work, "private");
  mkdirSync(folder, { recursive: true });
  const path = join(folder, "payslip.pdf");
  writeFileSync(path, "not yours to read");
  // Mode 000 whoever the owner is (this process may own it).
  chmodSync(scenario === "new" ? path : folder, 0o000);
  let thrown: unknown;
  let settled: unknown;
  try {
    const job = client.share({ path });
    settled = await job.done.then(
      () => "shared",
      (error: unknown) => outcome(error),
    );
  } catch (error) {
    thrown = outcome(error);
  }
  if (scenario === "folder") chmodSync(folder, 0o700); // for the temp folder's removal
  result = { thrown, settled, jobs: client.jobs().map((j) => ({ state: j.state })) };
} else {
  const first = join(work, "first.bin");
  writeFileSync(first, "the first file, held at the store");
  const path = join(work, "payslip.pdf");
  writeFileSync(path, "readable when shared");
  const held = client.share({ path: first });
  const job = client.share({ path });
  chmodSync(path, 0o000);
  open();
  await held.done;
  const settled = await job.done.then(
    () => "shared",
    (error: unknown) => outcome(error),
  );
  // Readable again: retry() runs the same upload (the error said to fix the permission, not to share it again).
  chmodSync(path, 0o600);
  const retried = await (client.retry(job.id).done as Promise<unknown>).then(
    () => "shared",
    (error: unknown) => outcome(error),
  );
  result = { settled, retried };
}
await client.stop();
await backend.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
