import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { StorageBackend } from "../../src/storage/backend.js";
import type { ShareResult, StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const TTL = 30 * DAY;
const FILES = 2;

type Op =
  | { readonly kind: "release" | "retain"; readonly file: number }
  /** The application's renewDue(), not waited for. */
  | { readonly kind: "renew" }
  /** Lets the runs under way go on for a few turns of the event loop (a run's steps land between the application's calls). */
  | { readonly kind: "turns"; readonly n: number }
  /** stop() (ending every run under way), then a start on the same state (whose own run renews what is due). */
  | { readonly kind: "restart" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("release" as const, "retain" as const), file: fc.integer({ min: 0, max: FILES - 1 }) }),
  fc.constant({ kind: "renew" as const }),
  fc.record({ kind: fc.constant("turns" as const), n: fc.integer({ min: 1, max: 30 }) }),
  fc.constant({ kind: "restart" as const }),
);

/**
 * retain() racing release(), renewal runs (the start's, the timer's, the application's and the one
 * retain() begins inside the margin), stop() and a restart: whatever the order, once everything
 * has settled the journal's `referenced` flag of each piece is the one the application's last call
 * for its file set, and a renewal run then renews exactly the pieces of the files still referenced.
 */
describe("retain() and release() racing renewal runs, stop() and a restart", () => {
  test("the journaled referenced flag is the application's last word per file, and renewal afterwards renews exactly the referenced files", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const dir = tempDir();
        const store = localStore(join(dir, "store"));
        const clock = { t: Date.UTC(2026, 0, 1) };
        const start = clock.t;
        // The renewal timer on (6 h): a start runs renewal, and retain() inside the margin begins a run.
        // Ended jobs kept: the final start, two TTLs on, would forget the released uploads (journal-retention.ts), which is not what is checked here.
        const options: NonNullable<Parameters<typeof startClient>[0]> = { dir, backend: store as StorageBackend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, keepEndedJobsMs: Infinity };
        let client: StorageClient = (await startClient(options)).client;
        const files: ShareResult[] = [];
        for (let i = 0; i < FILES; i++) files.push(await client.share({ path: writeRandomFile(dir, `f${i}.bin`, 100 * KiB).path }).done);
        // Inside the margin, not expired: every piece is due, and retain() never refuses.
        clock.t = start + TTL - 2 * HOUR;
        const referenced = files.map(() => true);
        const runs: Promise<unknown>[] = [];
        for (const step of ops) {
          if (step.kind === "release" || step.kind === "retain") {
            const file = files[step.file] as ShareResult;
            if (step.kind === "release") client.release(file.reference);
            else client.retain(file.reference);
            referenced[step.file] = step.kind === "retain";
          } else if (step.kind === "renew") {
            // A stop() meanwhile ends it with E_CLIENT_CLOSED: that is not what is checked here.
            runs.push(client.renewDue().catch((error: unknown) => expect(error).toMatchObject({ code: "E_CLIENT_CLOSED" })));
          } else if (step.kind === "turns") {
            for (let i = 0; i < step.n; i++) await new Promise((resolve) => setImmediate(resolve));
          } else {
            await client.stop();
            client = (await startClient(options)).client;
          }
        }
        await Promise.all(runs);
        await client.stop();

        // Later, inside the margin of every expiry the runs may have written (and past the ones they did not).
        clock.t = start + 2 * TTL - 2 * DAY;
        const last = (await startClient({ ...options, renewEveryMs: 0 })).client;
        const report = await last.renewDue();
        await last.stop();
        const db = new Database(join(dir, "state.sqlite"), { readonly: true });
        try {
          for (const [i, file] of files.entries()) {
            for (const piece of file.view.pieces) {
              const row = db.prepare(`SELECT referenced FROM availability WHERE cid = ?`).get(piece.cid) as { referenced: number };
              expect(row.referenced, `piece ${piece.cid} of file ${i}`).toBe(referenced[i] ? 1 : 0);
            }
          }
        } finally {
          db.close();
        }
        const expected = files.flatMap((file, i) => (referenced[i] ? file.view.pieces.map((p) => p.cid) : []));
        expect(report.failed).toEqual([]);
        expect([...report.renewed].sort()).toEqual(expected.sort());
      }),
      { numRuns: 20 },
    );
  });
});
