/**
 * A resumed download reopens the temp file its earlier run verified pieces into. When that fails
 * for a reason other than the file being gone, the verified pieces must not be thrown away for a
 * cause that passes (too many files open: EMFILE, ENFILE, EBUSY), and a cause that does not (a
 * folder in the temp file's place) must say what is wrong with which path. Too many open files is
 * given by a pass-through wrapper of node:fs/promises' open (every other call goes to the real one)
 * failing the temp file's opens with the OS's EMFILE; the folder is a real one.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageClient, StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { SMALL_PIECES, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { journalRunningDownload, shareRandomFile, type SharedRandomFile } from "./support/journaled-download.js";

/** Opens of this path fail with EMFILE while it is set. */
const fault = vi.hoisted(() => ({ path: "", refused: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => (await import("./support/fs-faults.js")).failingFsPromises(await importOriginal(), "open", "EMFILE", fault));

const SIZE = 256 * 1024; // 8 pieces of 32 KiB
const VERIFIED = 6;

/** Shares SIZE random bytes into <work>/store; returns them and the reference. */
function shared(work: string): Promise<SharedRandomFile> {
  return shareRandomFile(work, SIZE, { statePath: join(work, "sharer.sqlite"), dataDir: join(work, "sharer-data") });
}

/** A download as a stopped or crashed run leaves it: running, pieces 0..VERIFIED-1 journaled and written into its temp file. */
function interruptedDownload(work: string, reference: Uint8Array, bytes: Buffer): { id: string; dest: string; tempPath: string } {
  const job = journalRunningDownload(work, reference, VERIFIED);
  writeFileSync(job.tempPath, bytes.subarray(0, VERIFIED * SMALL_PIECES.pieceSize));
  return job;
}

/** A client whose state file has just been made (and so has the journal tables) and is stopped again. */
async function madeState(work: string): Promise<void> {
  const { client } = await startClient({ dir: work, backend: localStore(join(work, "store")), statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
  await client.stop();
}

describe("a resumed download whose temp file cannot be reopened", () => {
  test("too many files open (EMFILE): the verified pieces are kept; the job fails, and retry() fetches only the pieces still missing", async () => {
    const work = tempDir("scc-reopen-");
    const { bytes, reference } = await shared(work);
    await madeState(work);
    const { id, dest, tempPath } = interruptedDownload(work, reference, bytes);
    const backend = new InstrumentedBackend(localStore(join(work, "store")));
    fault.path = tempPath;
    fault.refused = 0;
    let client: StorageClient;
    try {
      ({ client } = await startClient({ dir: work, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") }));
      const error = await client.job(id).done.then(() => undefined, (e: unknown) => e);
      expect(fault.refused).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe("E_LOCAL_IO");
      expect((error as StorageError).message).toContain(tempPath);
      expect((error as StorageError).details).toMatchObject({ code: "EMFILE" });
    } finally {
      fault.path = "";
    }
    expect(existsSync(tempPath), "the temp file holding the verified pieces").toBe(true);
    const gets = backend.gets;
    const result = await client.retry(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(backend.gets - gets, "pieces fetched by the retry").toBe(8 - VERIFIED);
  });

  test("too many files open (EMFILE): the next start resumes the download from its verified pieces", async () => {
    const work = tempDir("scc-reopen-");
    const { bytes, reference } = await shared(work);
    await madeState(work);
    const { id, dest, tempPath } = interruptedDownload(work, reference, bytes);
    const backend = new InstrumentedBackend(localStore(join(work, "store")));
    fault.path = tempPath;
    try {
      const first = await startClient({ dir: work, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
      await expect(first.client.job(id).done).rejects.toMatchObject({ code: "E_LOCAL_IO" });
      await first.client.stop();
    } finally {
      fault.path = "";
    }
    const gets = backend.gets;
    const { client } = await startClient({ dir: work, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const result = await client.job(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(backend.gets - gets, "pieces fetched after the restart").toBe(8 - VERIFIED);
  });

  test("a folder in the temp file's place: the error names the temp file and says it is a folder; the folder is left alone, and once it is moved away retry() finishes", async () => {
    const work = tempDir("scc-reopen-");
    const { bytes, reference } = await shared(work);
    await madeState(work);
    const { id, dest, tempPath } = interruptedDownload(work, reference, bytes);
    rmSync(tempPath);
    mkdirSync(tempPath);
    writeFileSync(join(tempPath, "someone-elses.txt"), "kept");
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const error = (await client.job(id).done.then(() => undefined, (e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain(tempPath);
    expect(error.message).toMatch(/temp file .*: that is a folder/);
    // Not the destination's fault: it is a file's path, which the message must not deny.
    expect(error.message).not.toContain("give a file's path");
    expect(error.details).toMatchObject({ code: "EISDIR", path: tempPath });
    expect(readFileSync(join(tempPath, "someone-elses.txt"), "utf8")).toBe("kept");
    // Retried with the folder still there (the pieces are gone: they were in no file): said again, the same way.
    const again = (await client.retry(id).done.then(() => undefined, (e: unknown) => e)) as StorageError;
    expect(again.message).toContain(tempPath);
    expect(again.message).not.toContain("give a file's path");
    expect(again.details).toMatchObject({ code: "EISDIR", path: tempPath });
    expect(readFileSync(join(tempPath, "someone-elses.txt"), "utf8")).toBe("kept");
    rmSync(tempPath, { recursive: true });
    const result = await client.retry(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });
});
