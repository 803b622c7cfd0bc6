/**
 * A resumed download trusts the pieces its journal verified into the temp file. That file may have
 * been changed behind the client's back between runs (a cleaner truncated it, a backup restored a
 * longer one): what the journal says must be checked against the file, never taken blindly, and the
 * destination must hold exactly the shared bytes.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { startClient } from "./support/client-fixture.js";
import { journalRunningDownload, shareRandomFile, type SharedRandomFile } from "./support/journaled-download.js";

const SIZE = 256 * 1024; // 8 pieces of 32 KiB

/** Shares SIZE random bytes into <work>/store; returns them and the reference. */
function shared(work: string): Promise<SharedRandomFile> {
  return shareRandomFile(work, SIZE);
}

/** A download job as a crashed run leaves it: running, pieces 0..verified-1 journaled, and `temp` as its temp file. */
function crashedDownload(work: string, reference: Uint8Array, verified: number, temp: Buffer): { id: string; dest: string } {
  const job = journalRunningDownload(work, reference, verified);
  writeFileSync(job.tempPath, temp);
  return job;
}

describe("a resumed download whose temp file changed behind the client's back", () => {
  test("a temp file longer than the file (bytes appended) still gives exactly the shared bytes", async () => {
    const work = tempDir("scc-resume-temp-");
    const { bytes, reference } = await shared(work);
    // Every piece verified, and 5000 bytes the download never wrote after them.
    const { id, dest } = crashedDownload(work, reference, 8, Buffer.concat([bytes, randomBytes(5000)]));
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const result = await client.job(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    const got = readFileSync(dest);
    expect(got.byteLength).toBe(SIZE);
    expect(got.equals(bytes)).toBe(true);
  });

  test("a temp file cut short (verified pieces no longer on disk) fetches those pieces again and finishes", async () => {
    const work = tempDir("scc-resume-temp-");
    const { bytes, reference } = await shared(work);
    // Six pieces journaled as verified, but only the first 2.5 pieces' bytes are still there.
    const { id, dest } = crashedDownload(work, reference, 6, bytes.subarray(0, 80 * 1024));
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const result = await client.job(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  test("a temp file edited in place (same size) is not blamed on the reference: its pieces are fetched again and the file finishes", async () => {
    const work = tempDir("scc-resume-temp-");
    const { bytes, reference } = await shared(work);
    // Every piece journaled as verified, but bytes inside piece 2 no longer what was written.
    const edited = Buffer.from(bytes);
    edited.fill(0, 70 * 1024, 71 * 1024);
    const { id, dest } = crashedDownload(work, reference, 8, edited);
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const result = await client.job(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });
});
