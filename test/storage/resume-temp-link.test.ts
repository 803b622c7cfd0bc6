/**
 * A download's temp file `<out>.<id8>.part` sits beside its destination, which may be a folder other
 * users write in (/tmp, a shared downloads folder), and its name is in the journal and in any
 * listing once a run has made it. A symbolic link put at that name (the temp file removed by a
 * cleaner meanwhile, or a job stopped before its first piece) must never be written through when the
 * download is resumed or started again: the file the link names (the victim here, one of the user's
 * own) stays byte for byte as it was. The link is no temp file of the client's, so, like a hard link
 * there (resume-temp-hard-link), its name is removed and the download starts over and completes
 * (src/fs takenNameStep, which the CLI's side outputs read alike); it failed the run E_LOCAL_IO
 * before, only for the failure's clean-up to remove the link and a retry to start over anyway.
 * Real files; the client is this process's.
 */
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger, type Logger } from "../../src/obs/index.js";
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
  ])("%s: nothing is written through it, its name is removed and the download starts over and completes", async (_, verified) => {
    const work = tempDir("scc-temp-link-");
    const { bytes, reference } = await shared(work);
    await madeState(work);
    const { id, dest, tempPath } = interruptedDownload(work, reference, verified);
    // Larger than the download: a resume cuts its temp file to the file's size.
    const victim = join(work, "victim.txt");
    const victimBytes = randomBytes(SIZE + 1000);
    writeFileSync(victim, victimBytes, { mode: 0o600 });
    symlinkSync(victim, tempPath);
    const logs: string[] = [];

    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), logger: lineLogger(logs) });
    await expect(client.job(id).done).resolves.toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes), "the destination is the verified file").toBe(true);
    expect(lstatSync(dest).isFile(), "a file, not the link renamed onto it").toBe(true);
    expect(readFileSync(victim).equals(victimBytes), "the file the link names is unchanged").toBe(true);
    expect((statSync(victim).mode & 0o777).toString(8), "nor given another mode").toBe("600");
    expect(existsSync(tempPath)).toBe(false);
    expect(logs.some((l) => l.includes(`"what":"a symbolic link"`) && l.includes(id)), "the removal is warned of").toBe(true);
  });
});

/** A pino logger writing each line into `lines` (warnings and above). */
function lineLogger(lines: string[]): Logger {
  return createLogger({ level: "warn", destination: { write: (line: string) => void lines.push(line) } });
}
