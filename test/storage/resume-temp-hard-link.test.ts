/**
 * O_NOFOLLOW (resume-temp-link) stops a symbolic link at a download's temp file's name
 * `<out>.<id8>.part`, not a hard link: another name of a victim file, put there while the temp file
 * was gone (in a folder others write in), was opened by a resume, its bytes trusted as verified
 * pieces, cut to the download's size and written over, and a fresh run truncated it (O_TRUNC). Nor
 * another user's own file there, which that user may keep open to change the verified file later.
 * What is at the name and is not a file this client made is never opened for writing: the planted
 * name is removed (the victim keeps its bytes), the pieces are not trusted, and the download starts
 * over and completes. Real files; the client is this process's.
 */
import { randomBytes } from "node:crypto";
import { chownSync, closeSync, existsSync, linkSync, lstatSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { startClient } from "./support/client-fixture.js";
import { journalRunningDownload, shareRandomFile } from "./support/journaled-download.js";

const SIZE = 256 * 1024; // 8 pieces of 32 KiB

/** The download's file shared, its run journaled with `verified` pieces; the client is started afterwards by the caller. */
async function interrupted(verified: number): Promise<{ work: string; bytes: Buffer; id: string; dest: string; tempPath: string }> {
  const work = tempDir("scc-temp-hard-link-");
  const { bytes, reference } = await shareRandomFile(work, SIZE);
  return { work, bytes, ...journalRunningDownload(work, reference, verified) };
}

async function resumed(work: string, id: string): Promise<unknown> {
  const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
  return client.job(id).done;
}

describe("a hard link in a download's temp file's place", () => {
  // 6: the resume reopens the temp file; 0: the run makes it afresh (a stop before the first piece).
  test.each([
    ["resumed from 6 verified pieces (the temp file reopened)", 6],
    ["run again with no piece verified (the temp file made afresh)", 0],
  ])("%s: the linked file keeps its bytes, and the download starts over and completes", async (_, verified) => {
    const { work, bytes, id, dest, tempPath } = await interrupted(verified);
    // Larger than the download (a resume cut its temp file to the file's size), the user's own file.
    const victim = join(work, "victim.txt");
    const victimBytes = randomBytes(SIZE + 1000);
    writeFileSync(victim, victimBytes, { mode: 0o600 });
    linkSync(victim, tempPath);

    await expect(resumed(work, id)).resolves.toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes), "the destination is the verified file").toBe(true);
    expect(readFileSync(victim).equals(victimBytes), "the linked file is unchanged").toBe(true);
    const after = statSync(victim);
    expect(after.nlink, "the planted name was removed, not renamed onto the destination").toBe(1);
    expect((after.mode & 0o777).toString(8), "nor given another mode").toBe("600");
    expect(statSync(dest).ino).not.toBe(after.ino);
    expect(existsSync(tempPath)).toBe(false);
  });

  test.runIf(process.getuid?.() === 0)("(root) another user's file at the name of a resumed temp file: not trusted nor written, even held open by that user", async () => {
    const { work, bytes, id, dest, tempPath } = await interrupted(6);
    // Its bytes at the piece offsets are not the file's: trusted, they were read back as verified pieces.
    const planted = randomBytes(SIZE);
    writeFileSync(tempPath, planted);
    chownSync(tempPath, 65534, 65534);
    const held = openSync(tempPath, "r"); // what its owner could keep to change the file once verified
    try {
      await expect(resumed(work, id)).resolves.toMatchObject({ path: dest, size: SIZE });
      expect(readFileSync(dest).equals(bytes)).toBe(true);
      const through = Buffer.alloc(SIZE + 1);
      expect(readSync(held, through, 0, SIZE + 1, 0), "the held file keeps its size").toBe(SIZE);
      expect(through.subarray(0, SIZE).equals(planted), "and its bytes").toBe(true);
      expect(lstatSync(dest).uid, "the destination is this user's file, not the planted one").toBe(0);
    } finally {
      closeSync(held);
    }
  });

  test.runIf(process.platform !== "win32")("a pipe at the name of a temp file made afresh: removed, not opened (the run waited for a reader for ever)", async () => {
    const { work, bytes, id, dest, tempPath } = await interrupted(0);
    execFileSync("mkfifo", [tempPath]);
    await expect(resumed(work, id)).resolves.toMatchObject({ path: dest, size: SIZE });
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });
});
