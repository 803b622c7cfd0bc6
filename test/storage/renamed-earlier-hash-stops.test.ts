/**
 * A resumed download whose verified file is already at its destination (renamed before a crash,
 * the done row never written) hashes the whole destination before it is done. That hash must stop
 * with the job: a stop() during it returns without finishing the job (the next start does), and a
 * cancel during it ends the job cancelled, not done.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, StorageError, type FetchResult } from "../../src/storage/index.js";
import { CANCELLED } from "../../src/storage/job-errors.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, MiB, localStore, sha256Hex, startClient } from "./support/client-fixture.js";
import { journalRunningDownload, shareRandomFile, type SharedRandomFile } from "./support/journaled-download.js";

// Large enough that hashing it takes many reads (one per MiB), so a stop or cancel lands mid-hash.
const SIZE = 48 * MiB;
const PIECES = { chunkSize: 64 * KiB, pieceSize: 4 * MiB } as const;

function shared(work: string): Promise<SharedRandomFile> {
  return shareRandomFile(work, SIZE, { pieces: PIECES });
}

/** The journal as a crash right after the rename leaves it: running, every piece journaled, no temp file, the file at `dest`. */
function renamedThenCrashed(work: string, reference: Uint8Array, bytes: Buffer): { id: string; dest: string } {
  const job = journalRunningDownload(work, reference, SIZE / PIECES.pieceSize);
  writeFileSync(job.dest, bytes);
  return job;
}

function stateOf(work: string, id: string): string {
  const db = new Database(join(work, "state.sqlite"), { readonly: true });
  try {
    return (db.prepare(`SELECT state FROM download_jobs WHERE id = ?`).get(id) as { state: string }).state;
  } finally {
    db.close();
  }
}

/** Resolves once the job's run has begun (its resume reads the destination from then on). */
async function running(client: StorageClient, id: string): Promise<void> {
  while (client.jobs().find((j) => j.id === id)?.state !== "downloading") await new Promise((resolve) => setImmediate(resolve));
}

describe("the hash of a destination an earlier run renamed into place", () => {
  test("a stop() during it leaves the job to the next start, which finishes it from the file in place", async () => {
    const work = tempDir("scc-renamed-hash-stop-");
    const { bytes, reference } = await shared(work);
    const { id, dest } = renamedThenCrashed(work, reference, bytes);
    const paths = { statePath: join(work, "state.sqlite"), dataDir: join(work, "data") };
    // An empty store: a fetch would fail, so only the file in place can finish the job.
    const first = await startClient({ dir: work, ...paths, backend: localStore(join(work, "empty-store")), ...PIECES });
    await running(first.client, id);
    const outcome = first.client.job(id).done.then(() => "done", (error: unknown) => (error as StorageError).code);
    await first.client.stop();
    // Stopped mid-hash: not done by this run, and not failed or cancelled either.
    expect(await outcome).toBe("E_CLIENT_CLOSED");
    expect(stateOf(work, id)).toBe("downloading");

    const second = await startClient({ dir: work, ...paths, backend: localStore(join(work, "empty-store")), ...PIECES });
    const result = (await second.client.job(id).done) as FetchResult;
    expect(result).toMatchObject({ path: dest, size: SIZE, fromCache: false });
    expect(Buffer.from(result.sha256).toString("hex")).toBe(sha256Hex(bytes));
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  }, 60_000);

  test("a cancel during it ends the job cancelled, not done", async () => {
    const work = tempDir("scc-renamed-hash-cancel-");
    const { bytes, reference } = await shared(work);
    const { id } = renamedThenCrashed(work, reference, bytes);
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), backend: localStore(join(work, "empty-store")), ...PIECES });
    await running(client, id);
    const job = client.job(id);
    job.cancel();
    await expect(job.done).rejects.toBe(CANCELLED);
    expect(client.jobs().find((j) => j.id === id)?.state).toBe("cancelled");
    expect(stateOf(work, id)).toBe("cancelled");
  }, 60_000);
});
