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
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
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

describe("the final mode and owner of a download that replaces a file", () => {
  test("a link put at the temp file's name while it is written is not followed: the file it names keeps its mode (and owner), the temp file gets the replaced file's", async () => {
    const work = tempDir("scc-attr-swap-");
    const { reference } = await shareRandomFile(work, SIZE, { statePath: join(work, "sharer.sqlite"), dataDir: join(work, "sharer-data") });
    const outDir = join(work, "shared-folder");
    const dest = join(outDir, "photo.jpg");
    mkdirSync(outDir);
    // The file the download replaces: private, and (as root) another user's.
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
    const verified = join(work, "moved-away.part");
    let swapped = false;
    const spy = vi.spyOn(prototype, "write").mockImplementation(async function (this: FileHandle, ...args: unknown[]) {
      // Only the download's temp file: the handle of the file at a .part name in the folder.
      const part = swapped ? undefined : readdirSync(outDir).find((name) => name.endsWith(".part"));
      if (part !== undefined && (await this.stat()).ino === lstatSync(join(outDir, part)).ino) {
        swapped = true;
        renameSync(join(outDir, part), verified);
        symlinkSync(victim, join(outDir, part));
      }
      return write.apply(this, args);
    });
    try {
      const { client } = await startClient({ dir: work, backend: localStore(join(work, "store")), statePath: join(work, "state.sqlite"), dataDir: join(work, "data") });
      await client.fetch(reference, { out: dest }).done.catch(() => undefined);
      await client.stop();
    } finally {
      spy.mockRestore();
    }

    expect(swapped, "the temp file's name was swapped for a link").toBe(true);
    const victimAfter = statSync(victim);
    expect((victimAfter.mode & 0o7777).toString(8), "the linked file's mode").toBe((victimBefore.mode & 0o7777).toString(8));
    expect({ uid: victimAfter.uid, gid: victimAfter.gid }, "the linked file's owner").toEqual({ uid: victimBefore.uid, gid: victimBefore.gid });
    // The temp file itself got them (on its handle, the file the download wrote and verified).
    const temp = statSync(verified);
    expect((temp.mode & 0o777).toString(8)).toBe("600");
    if (asRoot) expect({ uid: temp.uid, gid: temp.gid }).toEqual({ uid: 65534, gid: 65534 });
  });
});
