/**
 * Uploads running two at a time while the application cancels and retries them and the store
 * starts and stops failing, at random moments: every handle settles, and every upload that ends
 * done gives a reference that fetches back to its file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const N = 4;

describe("many uploads with cancels, failures and retries at random moments", () => {
  test("every handle settles and every done upload fetches back to its file", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ wait: fc.integer({ min: 0, max: 8 }), op: fc.constantFrom("cancel", "retry", "break", "mend"), job: fc.integer({ min: 0, max: N - 1 }) }), { maxLength: 10 }),
        async (ops) => {
          const dir = tempDir("scc-up-races-");
          const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
          const client = await StorageClient.open({ protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: { ...FAST_RETRY, maxAttempts: 1 }, ...SMALL_PIECES, jobsInFlight: 2, piecesInFlight: 2 });
          try {
            let broken = false;
            backend.beforePut = async () => {
              await new Promise((r) => setTimeout(r, 4));
              if (broken) throw new StorageError("E_BACKEND_UNREACHABLE", "broken on purpose");
            };
            const files = Array.from({ length: N }, (_, i) => writeRandomFile(dir, `f${i}.bin`, 96 * 1024 + i * 5000));
            const jobs = files.map((f) => client.share({ path: f.path }));
            const ids = jobs.map((j) => j.id);
            const results: Promise<{ i: number; reference?: Uint8Array; code?: string }>[] = [];
            const watch = (i: number, p: Promise<{ reference: Uint8Array }>): void =>
              void results.push(p.then((r) => ({ i, reference: r.reference }), (e: { code?: string }) => ({ i, code: e.code ?? String(e) })));
            jobs.forEach((j, i) => watch(i, j.done));
            for (const { wait, op, job } of ops) {
              await new Promise((r) => setTimeout(r, wait));
              try {
                if (op === "cancel") client.cancel(ids[job]!);
                else if (op === "retry") watch(job, client.retry(ids[job]!).done as Promise<{ reference: Uint8Array }>);
                else broken = op === "break";
              } catch (e) {
                expect((e as { code?: string }).code, String(e)).toBe("E_UNSUPPORTED");
              }
            }
            broken = false;
            const all = await Promise.race([Promise.all(results), new Promise<string>((r) => setTimeout(r, 20_000, "hang"))]);
            expect(all).not.toBe("hang");
            backend.beforePut = undefined;
            for (const r of all as { i: number; reference?: Uint8Array; code?: string }[]) {
              if (r.reference === undefined) {
                expect(r.code).toMatch(/^(E_ABORTED|E_BACKEND_UNREACHABLE)$/);
                continue;
              }
              const out = join(dir, `back${r.i}-${Math.random()}.bin`);
              const got = await client.fetch(r.reference, { out }).done;
              expect(got.size).toBe(files[r.i]!.bytes.byteLength);
              expect(readFileSync(out).equals(files[r.i]!.bytes)).toBe(true);
            }
          } finally {
            await client.stop();
            await backend.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 200_000);
});
