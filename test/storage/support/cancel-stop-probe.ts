/**
 * Starts downloads and stops the client at once (mode "stop"), or cancels the queued ones first
 * (mode "cancel"), in a process of its own that catches nothing: an unhandled rejection from work
 * that outlives stop() (a job started as the client stopped, a cancel's clean-up after the journal
 * closed) ends the process with a non-zero status. Prints the later jobs' journal states and the
 * temp files they left. Usage: node --import tsx cancel-stop-probe.ts <stop|cancel>
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const dir = mkdtempSync(join(tmpdir(), "scc-cancel-stop-"));
const store = createLocalBackend({ dir: join(dir, "store") });
const base = { protocol: 3, backend: store, renewEveryMs: 0, chunkSize: 4096, pieceSize: 16 * 1024 };
const sender = await StorageClient.open({ ...base, statePath: join(dir, "sender.sqlite"), dataDir: join(dir, "sender") });
const refs: Uint8Array[] = [];
for (let i = 0; i < 4; i++) refs.push((await sender.share({ bytes: randomBytes(64 * 1024), fileName: `f${i}.bin` }).done).reference);
await sender.stop();

const statePath = join(dir, "receiver.sqlite");
const client = await StorageClient.open({ ...base, statePath, dataDir: join(dir, "receiver"), jobsInFlight: 1 });
const out = join(dir, "out");
const jobs = refs.map((ref, i) => client.fetch(ref, { out: join(out, `f${i}.bin`) }));
const cancelled = jobs.slice(1);
if (process.argv[2] === "cancel") for (const job of cancelled) job.cancel();
await client.stop();
await Promise.allSettled(jobs.map((j) => j.done));
// Let anything left over run (and fail) before the verdict.
await new Promise((r) => setTimeout(r, 200));
const db = new Database(statePath, { readonly: true });
const states = cancelled.map((j) => (db.prepare(`SELECT state FROM download_jobs WHERE id = ?`).get(j.id) as { state: string }).state);
db.close();
// Only the later jobs' temp files: the first one was running, and a stopped download keeps its temp file to resume from.
const laterParts = cancelled.map((_, i) => `f${i + 1}.bin.`);
const leftovers = existsSync(out) ? readdirSync(out).filter((name) => name.endsWith(".part") && laterParts.some((p) => name.startsWith(p))).length : 0;
await store.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ states, leftovers })}\n`);
