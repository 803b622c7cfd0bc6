/**
 * A download's temp file `<out>.<id8>.part` sits beside its destination, which may be a folder other
 * users write in (/tmp, a shared downloads folder), and its name is in the journal and in any
 * listing once a run has made it. A symbolic link put at that name (the temp file removed by a
 * cleaner meanwhile, or a job stopped before its first piece) must never be written through when the
 * download is resumed or started again: the file the link names (the victim here, one of the user's
 * own) stays byte for byte as it was, the run fails E_LOCAL_IO naming the temp file, and once the
 * link is gone a retry downloads the file. Real files; the client is this process's.
 */
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient } from "./support/client-fixture.js";
import { journalRunningDownload, shareRandomFile, type SharedRandomFile } from "./support/journaled-download.js";

const SIZE = 256 * 1024; // 8 pieces of 32 KiB

/** Shares SIZE random bytes into <work>/store; returns them and the reference. */
function shared(work: string): Promise<SharedRandomFile> {
  return shareRandomFile(work, SIZE, { statePath: join(work, "sharer.sqlite"), dataDir: join(work, "sharer-data") });
}

/** A client whose state file has just been made (and so has the journal tables) and is stopped again. */
async function madeState(work: string): Promise<void> {
  const { client } = await startClient({ dir: work, backend: localStore(join(work, "store")), statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
  await client.stop();
}

/** A download as a stopped run leaves it: running, with `verified` pieces journaled; its temp path returned (nothing there yet). */
function interruptedDownload(work: string, reference: Uint8Array, verified: number): { id: string; dest: string; tempPath: string } {
  return journalRunningDownload(work, reference, verified);
}

describe("a symbolic link in a download's temp file's place", () => {
  // 6: the resume reopens the temp file; 0: the run makes it afresh (a stop before the first piece).
  test.each([
    ["resumed from 6 verified pieces (the temp file reopened)", 6],
    ["run again with no piece verified (the temp file made afresh)", 0],
  ])("%s: nothing is written through it, the run fails naming the temp file, and a retry once it is gone downloads the file", async (_, verified) => {
    const work = tempDir("scc-temp-link-");
    const { bytes, reference } = await shared(work);
    await madeState(work);
    const { id, dest, tempPath } = interruptedDownload(work, reference, verified);
    // Larger than the download: a resume cuts its temp file to the file's size.
    const victim = join(work, "victim.txt");
    const victimBytes = randomBytes(SIZE + 1000);
    writeFileSync(victim, victimBytes);
    symlinkSync(victim, tempPath);

    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
    const error = (await client.job(id).done.then(() => undefined, (e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain(tempPath);
    expect(error.message).toContain("is a symbolic link");
    expect(error.details).toMatchObject({ job: id, path: tempPath, symbolicLink: true });
    expect(readFileSync(victim).equals(victimBytes), "the file the link names is unchanged").toBe(true);
    expect(existsSync(dest), "nothing was put at the destination").toBe(false);

    // The link gone (the failure's clean-up removes it, never the file it names), a retry downloads.
    rmSync(tempPath, { force: true });
    const result = await client.retry(id).done;
    expect(result).toMatchObject({ path: dest, size: SIZE });
    expect(lstatSync(dest).isFile()).toBe(true);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(readFileSync(victim).equals(victimBytes)).toBe(true);
  });
});
