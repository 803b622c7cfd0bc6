/**
 * A download renames its verified temp file onto the destination, then writes `done`. A crash in
 * between leaves the job `downloading` with every piece journaled, no temp file, and the whole
 * verified file at its destination. Its next run must see that file for what it is, not fetch it
 * all again (and fail the job for a file that is there when the pieces are gone by then: the
 * sender's node offline, the TTL passed).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { FetchResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { SMALL_PIECES, localStore, sha256Hex, startClient } from "./support/client-fixture.js";
import { journalRunningDownload, shareRandomFile, type SharedRandomFile } from "./support/journaled-download.js";

const SIZE = 256 * 1024; // 8 pieces of 32 KiB

function shared(work: string): Promise<SharedRandomFile> {
  return shareRandomFile(work, SIZE);
}

/** The journal as a crash right after the rename leaves it: running, every piece journaled, no temp file; `dest` holds `atDest`. */
function renamedThenCrashed(work: string, reference: Uint8Array, atDest: Buffer): { id: string; dest: string; tempPath: string } {
  const job = journalRunningDownload(work, reference, SIZE / SMALL_PIECES.pieceSize);
  writeFileSync(job.dest, atDest);
  return job;
}

describe("a crash between a download's rename and its done row", () => {
  test("the next start finishes the job from the file at its destination, fetching nothing (the pieces are gone by then)", async () => {
    const work = tempDir("scc-renamed-crash-");
    const { bytes, reference } = await shared(work);
    const { id, dest, tempPath } = renamedThenCrashed(work, reference, bytes);
    // An empty store: any fetch fails (E_NOT_FOUND).
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), backend: localStore(join(work, "empty-store")) });
    const result = (await client.job(id).done) as FetchResult;
    expect(result).toMatchObject({ path: dest, size: SIZE, fromCache: false });
    expect(Buffer.from(result.sha256).toString("hex")).toBe(sha256Hex(bytes));
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(existsSync(tempPath)).toBe(false);
    expect(client.jobs().find((j) => j.id === id)?.state).toBe("done");
  });

  test("a destination holding other bytes (the app wrote there since) is not taken for the download: it is fetched again", async () => {
    const work = tempDir("scc-renamed-crash-");
    const { bytes, reference } = await shared(work);
    const { id, dest } = renamedThenCrashed(work, reference, randomBytes(SIZE));
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), backend: localStore(join(work, "store")) });
    await client.job(id).done;
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });
});
