import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient } from "./support/client-fixture.js";
import { failedLostSpool, receiveIntoCache } from "./support/failed-lost-spool.js";
import type { HashGate } from "./support/gated-file-digest.js";

/** The next hash of a file waits here (set by the test): where a run looks at the cached copy of a lost spool write. */
const gate = vi.hoisted((): HashGate => ({}));

vi.mock("../../src/storage/file-digest.js", async (importOriginal) => (await import("./support/gated-file-digest.js")).gatedFileDigest(await importOriginal(), gate));

/**
 * A share failed E_SOURCE_MISSING with its spool write lost, a client started on it whose cache
 * holds those bytes, and the next hash of a file (the run's look at the cached copy) gated.
 */
async function retryingAtTheGate(): Promise<{ client: StorageClient; statePath: string; id: string; retried: ReturnType<StorageClient["retry"]>; open: () => void }> {
  const dir = tempDir();
  const bytes = randomBytes(100 * KiB);
  const id = await failedLostSpool(dir, bytes);
  const { client, statePath } = await startClient({ dir });
  await receiveIntoCache(client, dir, bytes);
  let entered!: () => void;
  const inHash = new Promise<void>((resolve) => (entered = resolve));
  let open!: () => void;
  gate.next = { entered, open: new Promise<void>((resolve) => (open = resolve)) };
  const retried = client.retry(id);
  await inHash;
  return { client, statePath, id, retried, open };
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
    const { client, statePath, id, retried, open } = await retryingAtTheGate();
    try {
      client.cancel(id);
      open();
      await expect(retried.done).rejects.toMatchObject({ code: "E_ABORTED" });
    } finally {
      gate.next = undefined;
      open();
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
    const { client, id, retried, open } = await retryingAtTheGate();
    try {
      expect(gate.signal?.aborted).toBe(false);
      client.cancel(id);
      expect(gate.signal?.aborted).toBe(true);
      await expect(retried.done).rejects.toMatchObject({ code: "E_ABORTED" });
    } finally {
      gate.next = undefined;
      gate.signal = undefined;
      open();
    }
    expect(client.jobs().find((j) => j.id === id)).toMatchObject({ state: "cancelled" });
    await client.stop();
  });
});
