import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

/** The next hash of a file waits here (set by the test): where a run looks at the cached copy of a lost spool write. */
const gate: { next?: { entered: () => void; open: Promise<void> }; signal?: AbortSignal | undefined } = {};

vi.mock("../../src/storage/file-digest.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/storage/file-digest.js")>();
  return {
    ...original,
    fileDigest: async (...args: Parameters<typeof original.fileDigest>) => {
      const waiting = gate.next;
      gate.next = undefined;
      if (waiting !== undefined) {
        const signal = args[3];
        gate.signal = signal;
        waiting.entered();
        // The gate stands for a large file's hash: a signal the hash is given ends it, as fileDigest's own loop does.
        await Promise.race([waiting.open, new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }))]);
      }
      return original.fileDigest(...args);
    },
  };
});

/** A share of bytes failed E_SOURCE_MISSING with its spool write lost (as retry-lost-spool-cached.test.ts makes it). */
async function failedLostSpool(dir: string, bytes: Buffer): Promise<string> {
  const down = new InstrumentedBackend(localStore(join(dir, "store")));
  down.beforePut = () => {
    throw unreachable("the node");
  };
  const { client, statePath } = await startClient({ dir, backend: down, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const job = client.share({ bytes, fileName: "photo.jpg" });
  await job.done.catch(() => undefined);
  await client.stop();
  const db = new Database(statePath);
  try {
    const { source_path: spool } = db.prepare(`SELECT source_path FROM upload_jobs WHERE id = ?`).get(job.id) as { source_path: string };
    db.prepare(`DELETE FROM cache_entries WHERE path = ?`).run(spool);
    db.prepare(`DELETE FROM settings WHERE key IN (?, ?)`).run(`upload-source:${job.id}`, `upload-source-ctime:${job.id}`);
    rmSync(spool);
  } finally {
    db.close();
  }
  return job.id;
}

/**
 * 12f538f: a retry()'s run of such a share hashes the cache's received file of those bytes (the
 * row still queued) and then, in one transaction, moves the share onto it, records its identity and
 * pins it. cancel() meanwhile cancels the queued row at once (its clean-up gives back the spool
 * path's pin, not the received file's): the transaction's move refused the cancelled row, but the
 * pin and the identity were still written, so the received file stayed pinned (never evicted,
 * counted against the quota as a pending upload's) with no upload to give it back until the next
 * start, and a cancelled job kept a source identity.
 */
describe("cancel() while retry()'s run looks at the cached copy of a lost spool write", () => {
  test("leaves the received file unpinned and records no source identity for the cancelled share", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    const { client, statePath } = await startClient({ dir });
    const original = join(dir, "received.jpg");
    writeFileSync(original, bytes);
    const shared = await client.share({ path: original }).done;
    await client.fetch(shared.reference).done;
    let entered!: () => void;
    const inHash = new Promise<void>((resolve) => (entered = resolve));
    let open!: () => void;
    gate.next = { entered, open: new Promise<void>((resolve) => (open = resolve)) };
    try {
      const retried = client.retry(id);
      await inHash;
      client.cancel(id);
      open();
      await expect(retried.done).rejects.toMatchObject({ code: "E_ABORTED" });
    } finally {
      gate.next = undefined;
      open?.();
    }
    expect(client.jobs().find((j) => j.id === id)).toMatchObject({ state: "cancelled" });
    await client.stop();
    const db = new Database(statePath, { readonly: true });
    try {
      expect(db.prepare(`SELECT path FROM cache_entries WHERE pinned = 1`).all()).toEqual([]);
      expect(db.prepare(`SELECT key FROM settings WHERE key LIKE ?`).all(`%${id}%`)).toEqual([]);
    } finally {
      db.close();
    }
  });
});

/**
 * The same look, given no signal, hashed the whole cached file before cancel() or stop() could end
 * the run: a 50 MB file on a phone's storage is seconds. The run's signal reaches the hash now.
 */
describe("cancel() during that look ends the hash at once", () => {
  test("the hash is given the run's signal, aborted by cancel(), and the run ends E_ABORTED with the hash never let through", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    const { client } = await startClient({ dir });
    const original = join(dir, "received.jpg");
    writeFileSync(original, bytes);
    const shared = await client.share({ path: original }).done;
    await client.fetch(shared.reference).done;
    let entered!: () => void;
    const inHash = new Promise<void>((resolve) => (entered = resolve));
    let open!: () => void;
    gate.next = { entered, open: new Promise<void>((resolve) => (open = resolve)) };
    try {
      const retried = client.retry(id);
      await inHash;
      expect(gate.signal?.aborted).toBe(false);
      client.cancel(id);
      expect(gate.signal?.aborted).toBe(true);
      await expect(retried.done).rejects.toMatchObject({ code: "E_ABORTED" });
    } finally {
      gate.next = undefined;
      gate.signal = undefined;
      open?.();
    }
    expect(client.jobs().find((j) => j.id === id)).toMatchObject({ state: "cancelled" });
    await client.stop();
  });
});
