/**
 * What an application sees of its jobs while it shares, fetches (to a file and from the cache),
 * cancels, retries and restarts at random moments and the store fails now and then: the handle
 * invariants the docs promise, and the queue gauges back at 0 once everything has settled.
 */
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient, type TransferJob } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const MOVES: Record<string, string[]> = { queued: ["uploading", "downloading", "failed", "cancelled", "done"], uploading: ["done", "failed", "cancelled"], downloading: ["done", "failed", "cancelled"], failed: [], cancelled: [], done: [] };

describe("job handles under random shares, fetches, cancels, retries, store failures and restarts", () => {
  test("every state move is one the machine allows, progress never goes back or past its total, nothing is told after done settles, done matches the final state, and the queue gauges end at 0", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ wait: fc.integer({ min: 0, max: 6 }), op: fc.constantFrom("cancel", "retry", "break", "mend", "share", "fetch", "cachefetch", "job", "restart"), job: fc.nat(30) }), { maxLength: 16 }),
        async (ops) => {
          const dir = tempDir("scc-ev-");
          const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
          let broken = false;
          backend.beforePut = async () => { await new Promise((r) => setTimeout(r, 3)); if (broken) throw new StorageError("E_BACKEND_REJECTED", "broken"); };
          backend.beforeGet = async () => { await new Promise((r) => setTimeout(r, 3)); if (broken) throw new StorageError("E_NOT_FOUND", "broken"); };
          const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: { ...FAST_RETRY, maxAttempts: 1 }, ...SMALL_PIECES, jobsInFlight: 2, piecesInFlight: 2 };
          let client = await StorageClient.open(options);
          const problems: string[] = [];
          const settled: Promise<unknown>[] = [];
          const handles: TransferJob<any>[] = [];
          const refs: Uint8Array[] = [];
          const watch = (job: TransferJob<any>, label: string) => {
            handles.push(job);
            let done = false;
            let state = job.state;
            let last = job.progress;
            job.on("state", (s) => {
              if (done) problems.push(`${label} state ${s} after done`);
              if (!MOVES[state]?.includes(s)) problems.push(`${label} ${state} -> ${s}`);
              state = s;
            });
            job.on("progress", (p) => {
              if (done) problems.push(`${label} progress after done`);
              if (p.bytesDone < last.bytesDone || p.piecesDone < last.piecesDone) problems.push(`${label} progress back ${last.bytesDone} -> ${p.bytesDone}`);
              if (p.bytesDone > p.bytesTotal || p.piecesDone > p.piecesTotal) problems.push(`${label} progress over`);
              last = p;
            });
            settled.push(job.done.then((r) => { done = true; if (job.state !== "done") problems.push(`${label} resolved in ${job.state}`); if (r?.reference) refs.push(r.reference); }, (e) => {
              done = true;
              const code = e?.code;
              if (code === "E_ABORTED" && job.state !== "cancelled") problems.push(`${label} aborted in ${job.state}`);
              if (code !== "E_ABORTED" && code !== "E_CLIENT_CLOSED" && job.state !== "failed") problems.push(`${label} ${code} in ${job.state}`);
            }));
          };
          const f = writeRandomFile(dir, "f.bin", 100 * 1024);
          const first = client.share({ path: f.path });
          watch(first, "s0");
          await first.done.catch(() => undefined);
          let n = 0;
          for (const { wait, op, job } of ops) {
            await new Promise((r) => setTimeout(r, wait));
            const h = handles[job % handles.length]!;
            try {
              if (op === "cancel") client.cancel(h.id);
              else if (op === "retry") watch(client.retry(h.id), `r${n++}`);
              else if (op === "break") broken = true;
              else if (op === "mend") broken = false;
              else if (op === "share") watch(client.share(job % 2 ? { path: f.path } : { bytes: Buffer.alloc(50 * 1024, job), fileName: "b" }), `s${n++}`);
              else if (op === "fetch" && refs.length > 0) watch(client.fetch(refs[job % refs.length]!, { out: join(dir, `o${n}`) }), `f${n++}`);
              else if (op === "cachefetch" && refs.length > 0) watch(client.fetch(refs[job % refs.length]!), `c${n++}`);
              else if (op === "restart") { await client.stop(); client = await StorageClient.open(options); for (const old of [...handles]) { try { const j = client.job(old.id); if (j.state === "queued" || j.state === "uploading" || j.state === "downloading") watch(j, `j${n++}`); } catch (e) { if ((e as any).code !== "E_JOB_UNKNOWN") problems.push(`job after restart ${String(e)}`); } } }
              else if (op === "job") { const j = client.job(h.id); if (j.id !== h.id) problems.push("job id"); }
            } catch (e) {
              const code = (e as { code?: string }).code;
              if (code !== "E_UNSUPPORTED" && code !== "E_JOB_UNKNOWN") problems.push(`op ${op}: ${String(e)}`);
            }
          }
          broken = false;
          const all = await Promise.race([Promise.allSettled(settled), new Promise<string>((r) => setTimeout(r, 20_000, "hang"))]);
          if (all === "hang") problems.push("hang");
          const text = await client.metrics.text();
          for (const line of text.split("\n")) if (/^status_compat_storage_(jobs_active|queue_depth)\{/.test(line) && !line.endsWith(" 0")) problems.push(`gauge ${line}`);
          await client.stop();
          await backend.close();
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
  }, 300_000);
});
