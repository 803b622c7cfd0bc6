/**
 * stop() called while start() runs is supported (stop-while-starting.test.ts): it waits for the
 * start, then stops what it started. A start hashes a file when a queued share lost its spool write
 * and the cache holds those bytes (readCachedCopiesOfLostSpools): a large received file (a video)
 * took seconds on a phone, and that hash was given no signal, so an app closed during its start-up
 * waited for the whole hash before stop() returned. stop() now ends it: the start settles with
 * E_CLIENT_CLOSED, the hash ends without its file being read to the end, and the next client starts
 * on the same folders and sends the share. The hash is gated (as retry-lost-spool-cancel does); no
 * time is measured: the gate is never opened, and stop() must return all the same.
 */
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import { StorageClient, StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, localStore, startClient } from "./support/client-fixture.js";
import { failedLostSpool, receiveIntoCache } from "./support/failed-lost-spool.js";
import type { HashGate } from "./support/gated-file-digest.js";

/** The next hash of a file waits here (set by the test): where a start looks at the cached copy of a lost spool write. */
const gate = vi.hoisted((): HashGate => ({}));

vi.mock("../../src/storage/file-digest.js", async (importOriginal) => (await import("./support/gated-file-digest.js")).gatedFileDigest(await importOriginal(), gate));

/** A queued share whose spool write a crash cut, in a state whose cache holds its bytes as a received file; its job id. */
async function queuedLostSpoolWithCachedCopy(dir: string): Promise<string> {
  const bytes = randomBytes(100 * KiB);
  const id = await failedLostSpool(dir, bytes);
  const { client, statePath } = await startClient({ dir });
  await receiveIntoCache(client, dir, bytes);
  await client.stop();
  // As a crash before the spool write leaves it: queued, never run (failedLostSpool gives the failed row an earlier build left).
  const db = new Database(statePath);
  try {
    db.prepare(`UPDATE upload_jobs SET state = 'queued', last_error = NULL WHERE id = ?`).run(id);
  } finally {
    db.close();
  }
  return id;
}

describe("stop() while start() hashes the cached copy of a lost spool write", () => {
  test("the hash ends on the stop: start settles E_CLIENT_CLOSED and stop() returns without the gate opening; the next client sends the share", async () => {
    const dir = tempDir("scc-stop-start-hash-");
    const id = await queuedLostSpoolWithCachedCopy(dir);
    const backend = localStore(`${dir}/store`);
    const options = { protocol: 3, backend, statePath: `${dir}/state.sqlite`, dataDir: `${dir}/data`, renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES } as const;
    let entered!: () => void;
    const inHash = new Promise<void>((resolve) => (entered = resolve));
    let open!: () => void;
    gate.next = { entered, open: new Promise<void>((resolve) => (open = resolve)) };
    gate.signal = undefined;
    const client = new StorageClient(options);
    const starting = client.start().then(
      () => "started",
      (error: unknown) => (error instanceof StorageError ? error.code : `raw ${String(error)}`),
    );
    try {
      await inHash;
      expect(gate.signal, "the start's hash is given a signal the stop fires").toBeDefined();
      await client.stop();
      expect((gate.signal as AbortSignal | undefined)?.aborted, "the hash's signal fired").toBe(true);
      expect(await starting).toBe("E_CLIENT_CLOSED");
    } finally {
      // Before the fix the hash waits here for ever: let it go so the test ends (failing above).
      open();
      await starting;
      await client.stop();
    }
    const next = await StorageClient.open(options);
    try {
      const shared = await next.job(id).done;
      expect(shared).toMatchObject({ view: { plaintextSize: 100 * KiB } });
    } finally {
      await next.stop();
    }
  });
});
