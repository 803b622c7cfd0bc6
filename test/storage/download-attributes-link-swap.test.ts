/**
 * A download onto an existing file gives its verified temp file `<out>.<id8>.part` the replaced
 * file's mode, owner and group before the rename (as cp and curl -o keep them). Those calls went by
 * the temp file's name, after it was closed: in a folder other users write in, one of them could put
 * a symbolic link at that name (moving the temp file away) before them, and chmod/chown followed
 * it, so a download run as root gave the file the link names (any file on the system) the replaced
 * file's mode and owner. Here the name is swapped for a link as soon as the download writes into
 * the temp file, so every step by name after that meets the link, the last one before the rename
 * included. Real files.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient } from "./support/client-fixture.js";
import { shareRandomFile } from "./support/journaled-download.js";

const SIZE = 256 * 1024; // 8 pieces of 32 KiB
const asRoot = process.getuid?.() === 0;

type Write = (this: FileHandle, ...args: unknown[]) => Promise<unknown>;

/** The prototype every FileHandle of this process shares (its methods; close is each handle's own). */
async function fileHandlePrototype(dir: string): Promise<{ write: Write }> {
  const probe = await open(join(dir, "probe"), "w");
  try {
    return Object.getPrototypeOf(probe) as { write: Write };
  } finally {
    await probe.close();
  }
}

interface Swapped {
  /** The fetch's outcome: its result, or what it was rejected with. */
  outcome: unknown;
  dest: string;
  victim: string;
  victimBefore: Stats;
  /** Where the temp file was moved when the link took its name. */
  moved: string;
  tempName: string | undefined;
}

/**
 * A shared 8-piece file fetched onto a private 0600 file (another user's, 65534, when run as root)
 * in a folder, while the temp file's name is swapped for a link to a 0644 file at the temp file's
 * first write: its name moved away and the link put there, so every step by name after that meets
 * the link, the last ones before the rename included.
 */
async function fetchWithTempSwapped(work: string): Promise<Swapped & { retry: () => Promise<unknown> }> {
  const { reference } = await shareRandomFile(work, SIZE, { statePath: join(work, "sharer.sqlite"), dataDir: join(work, "sharer-data") });
  const outDir = join(work, "shared-folder");
  const dest = join(outDir, "photo.jpg");
  mkdirSync(outDir);
  writeFileSync(dest, "old bytes\n");
  chmodSync(dest, 0o600);
  if (asRoot) chownSync(dest, 65534, 65534);
  // The file the other user's link names.
  const victim = join(work, "victim.conf");
  writeFileSync(victim, "config\n");
  chmodSync(victim, 0o644);
  const victimBefore = statSync(victim);

  const prototype = await fileHandlePrototype(work);
  const write = prototype.write;
  const moved = join(work, "moved-away.part");
  let tempName: string | undefined;
  const spy = vi.spyOn(prototype, "write").mockImplementation(async function (this: FileHandle, ...args: unknown[]) {
    // Only the download's temp file: the handle of the file at a .part name in the folder.
    const part = tempName !== undefined ? undefined : readdirSync(outDir).find((name) => name.endsWith(".part"));
    if (part !== undefined && (await this.stat()).ino === lstatSync(join(outDir, part)).ino) {
      tempName = join(outDir, part);
      renameSync(tempName, moved);
      symlinkSync(victim, tempName);
    }
    return write.apply(this, args);
  });
  let outcome: unknown;
  const { client } = await startClient({ dir: work, backend: localStore(join(work, "store")), statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
  let id: string;
  try {
    const job = client.fetch(reference, { out: dest });
    id = job.id;
    outcome = await job.done.catch((error: unknown) => error);
  } finally {
    spy.mockRestore();
  }
  return { outcome, dest, victim, victimBefore, moved, tempName, retry: () => client.retry(id).done };
}

describe("a download that replaces a file, its temp file's name swapped for a link by another user", () => {
  test("the link is not followed by the final chmod/chown: the file it names keeps its mode (and owner), the temp file gets the replaced file's", async () => {
    const s = await fetchWithTempSwapped(tempDir("scc-attr-swap-"));
    expect(s.tempName, "the temp file's name was swapped for a link").toBeDefined();
    const victimAfter = statSync(s.victim);
    expect((victimAfter.mode & 0o7777).toString(8), "the linked file's mode").toBe((s.victimBefore.mode & 0o7777).toString(8));
    expect({ uid: victimAfter.uid, gid: victimAfter.gid }, "the linked file's owner").toEqual({ uid: s.victimBefore.uid, gid: s.victimBefore.gid });
    // The temp file itself got them (on its handle, the file the download wrote and verified).
    const temp = statSync(s.moved);
    expect((temp.mode & 0o777).toString(8)).toBe("600");
    if (asRoot) expect({ uid: temp.uid, gid: temp.gid }).toEqual({ uid: 65534, gid: 65534 });
  });

  test("the link is not renamed onto the destination: the fetch fails E_LOCAL_IO naming the temp file, the destination keeps its bytes, and a retry once the name is free downloads the file", async () => {
    const s = await fetchWithTempSwapped(tempDir("scc-attr-swap-"));
    expect(s.outcome).toBeInstanceOf(StorageError);
    const error = s.outcome as StorageError;
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain(`${s.tempName} was replaced while it downloaded (a symbolic link is at that name now`);
    expect(error.details).toMatchObject({ path: s.tempName, symbolicLink: true });
    expect(lstatSync(s.dest).isFile(), "the destination is still the old file, not the link").toBe(true);
    expect(readFileSync(s.dest, "utf8")).toBe("old bytes\n");
    expect(readFileSync(s.victim, "utf8")).toBe("config\n");
    // The failure removed the link (never the file it names); a retry makes its temp file afresh.
    expect(existsSync(s.tempName as string)).toBe(false);
    await s.retry();
    expect(lstatSync(s.dest).isFile()).toBe(true);
    expect(statSync(s.dest).size).toBe(SIZE);
    expect((statSync(s.dest).mode & 0o777).toString(8)).toBe("600");
  });
});
