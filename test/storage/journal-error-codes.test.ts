/**
 * A failed job's journal row keeps `E_CODE: message`. After a rollback the older release builds the
 * job's handle from a row the newer one wrote, possibly with a code it does not know: the user must
 * still learn what went wrong (the code and its message), and nothing may claim the failure was a
 * network one worth retrying when the journal says otherwise.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, StorageError, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, localStore, KiB, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A client that fails one upload for good, then is stopped; its options reopen the journal. */
async function failedUpload(protocol: number): Promise<{ id: string; options: StorageClientOptions }> {
  const dir = tempDir("scc-journal-codes-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.beforePut = () => {
    throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
  };
  const options: StorageClientOptions = { protocol, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY };
  const client = await StorageClient.open(options);
  try {
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    return { id: job.id, options };
  } finally {
    await client.stop();
  }
}

function setLastError(statePath: string, id: string, lastError: string): void {
  const db = new Database(statePath);
  try {
    db.prepare(`UPDATE upload_jobs SET last_error = ? WHERE id = ?`).run(lastError, id);
  } finally {
    db.close();
  }
}

describe("a failed job's error as the journal keeps it", () => {
  test("a code this release knows comes back as that code with its message", async () => {
    const { id, options } = await failedUpload(2);
    const client = await StorageClient.open(options);
    try {
      await expect(client.job(id).done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED", message: "refused (test)", retryable: false });
    } finally {
      await client.stop();
    }
  });

  test("jobs() gives the failure's code by itself (lastErrorCode), the code done rejects with, so an app need not parse lastError", async () => {
    const { id, options } = await failedUpload(3);
    const client = await StorageClient.open(options);
    try {
      const error = (await client.job(id).done.catch((e: unknown) => e)) as StorageError;
      const summary = client.jobs().find((j) => j.id === id);
      expect(summary).toMatchObject({ state: "failed", lastError: "E_BACKEND_REJECTED: refused (test)", lastErrorCode: "E_BACKEND_REJECTED" });
      expect(summary?.lastErrorCode).toBe(error.code);
      // A job that never failed has neither.
      const done = client.share({ bytes: new Uint8Array(KiB).fill(1), fileName: "ok.bin" });
      (options.backend as InstrumentedBackend).beforePut = undefined;
      await done.done;
      expect(client.jobs().find((j) => j.id === done.id)).toMatchObject({ lastError: null, lastErrorCode: null });
    } finally {
      await client.stop();
    }
  });

  test("a code written by a newer release that this one does not know keeps its code and text, and is not reported as a retryable network failure", async () => {
    const { id, options } = await failedUpload(2);
    setLastError(options.statePath as string, id, "E_PIECE_RETIRED: piece 3 was retired by the node operator; share the file again");
    const client = await StorageClient.open(options);
    try {
      const error = (await client.job(id).done.catch((e: unknown) => e)) as StorageError;
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toContain("E_PIECE_RETIRED");
      expect(error.message).toContain("piece 3 was retired by the node operator; share the file again");
      expect(error.details).toMatchObject({ fromJournal: true, journalCode: "E_PIECE_RETIRED" });
      expect(error.code).not.toBe("E_BACKEND_UNREACHABLE");
      expect(error.retryable).toBe(false);
      // What jobs() lists is the row as written; its code is the one done rejects with.
      expect(client.jobs().find((j) => j.id === id)?.lastError).toMatch(/^E_PIECE_RETIRED: /);
      expect(client.jobs().find((j) => j.id === id)?.lastErrorCode).toBe("E_UNSUPPORTED");
    } finally {
      await client.stop();
    }
  });

  test("every code this build's StorageError has comes back as itself (E_BUSY too), not as a newer release's", async () => {
    const { id, options } = await failedUpload(3);
    setLastError(options.statePath as string, id, "E_BUSY: another storage client is using the data directory");
    const client = await StorageClient.open(options);
    try {
      await expect(client.job(id).done).rejects.toMatchObject({ code: "E_BUSY", message: "another storage client is using the data directory" });
    } finally {
      await client.stop();
    }
  });

  test("a code with digits is a code too, not part of the message", async () => {
    const { id, options } = await failedUpload(3);
    setLastError(options.statePath as string, id, "E_HTTP3_RESET: the node reset the stream");
    const client = await StorageClient.open(options);
    try {
      const error = (await client.job(id).done.catch((e: unknown) => e)) as StorageError;
      expect(error.details).toMatchObject({ journalCode: "E_HTTP3_RESET" });
      expect(error.message).toContain("the node reset the stream");
    } finally {
      await client.stop();
    }
  });
});
