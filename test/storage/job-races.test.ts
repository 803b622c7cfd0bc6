/**
 * Downloads running two at a time while the application cancels and retries them and the store
 * starts and stops failing, at random moments: nothing hangs, nothing is left half-way.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { FileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const N = 5;

/** The property: random cancels, retries, breaks and mends among N downloads of `files` from `store`. */
async function runs(store: StorageBackend, files: readonly { bytes: Buffer; cids: Set<string>; view: FileReference }[]): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ wait: fc.integer({ min: 0, max: 8 }), op: fc.constantFrom("cancel", "retry", "break", "mend"), job: fc.integer({ min: 0, max: N - 1 }) }), { maxLength: 12 }),
      async (ops) => {
        const dir = tempDir("scc-races-");
        const backend = new InstrumentedBackend(store);
        const statePath = join(dir, "s.sqlite");
        const client = await StorageClient.open({ protocol: 3, backend, statePath, dataDir: join(dir, "d"), renewEveryMs: 0, retry: { ...FAST_RETRY, maxAttempts: 1 }, ...SMALL_PIECES, jobsInFlight: 2, piecesInFlight: 2 });
        const broken = new Set<number>();
        backend.beforeGet = async (cid) => {
          await new Promise((r) => setTimeout(r, 6));
          for (const j of broken) if (files[j]!.cids.has(cid)) throw new StorageError("E_NOT_FOUND", "broken on purpose");
        };
        const outs = files.map((_, i) => join(dir, `out${i}.bin`));
        const settled: Promise<string>[] = [];
        const watch = (p: Promise<unknown>): void => void settled.push(p.then(() => "done", (e: { code?: string }) => e.code ?? String(e)));
        const jobs = outs.map((out, i) => client.fetch(files[i]!.view, { out }));
        for (const j of jobs) watch(j.done);
        const ids = jobs.map((j) => j.id);
        for (const { wait, op, job } of ops) {
          await new Promise((r) => setTimeout(r, wait));
          try {
            if (op === "cancel") client.cancel(ids[job]!);
            else if (op === "retry") watch(client.retry(ids[job]!).done);
            else if (op === "break") broken.add(job);
            else broken.delete(job);
          } catch (e) {
            expect((e as { code?: string }).code, String(e)).toBe("E_UNSUPPORTED");
          }
        }
        const all = await Promise.race([Promise.all(settled), new Promise<string>((r) => setTimeout(r, 20_000, "hang"))]);
        expect(all).not.toBe("hang");
        for (const s of all as string[]) expect(s).toMatch(/^(done|E_ABORTED|E_NOT_FOUND)$/);
        await client.stop();
        const db = new Database(statePath, { readonly: true });
        const rows = db.prepare(`SELECT id, state, temp_path, dest_path FROM download_jobs`).all() as { id: string; state: string; temp_path: string; dest_path: string }[];
        db.close();
        for (const row of rows) {
          const i = ids.indexOf(row.id);
          if (row.state === "done") expect(readFileSync(row.dest_path).equals(files[i]!.bytes)).toBe(true);
          if (row.state === "failed" || row.state === "cancelled" || row.state === "done") expect(existsSync(row.temp_path), `${row.state} temp`).toBe(false);
        }
      },
    ),
    { numRuns: 25 },
  );
}

describe("many downloads with cancels, failures and retries at random moments", () => {
  test("every handle settles; done files are whole; no failed or cancelled job keeps a temp file", async () => {
    // The files and the store holding them are made once: every run fetches them with a client and
    // journal of its own (a run only reads the store; what it exercises is its ops).
    const shared = tempDir("scc-races-");
    const store = createLocalBackend({ dir: join(shared, "store") });
    const files: { path: string; bytes: Buffer; cids: Set<string>; view: FileReference }[] = [];
    try {
      const sender = await StorageClient.open({ protocol: 3, backend: store, statePath: join(shared, "sender.sqlite"), dataDir: join(shared, "sender"), renewEveryMs: 0, ...SMALL_PIECES });
      try {
        for (let i = 0; i < N; i++) {
          const f = writeRandomFile(shared, `f${i}.bin`, 96 * 1024 + i * 7000);
          const { view } = await sender.share({ path: f.path }).done;
          files.push({ ...f, cids: new Set(view.pieces.map((p) => p.cid)), view });
        }
      } finally {
        await sender.stop();
      }
      await runs(store, files);
    } finally {
      await store.close();
    }
  }, 200_000);
});
