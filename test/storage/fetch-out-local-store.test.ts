/**
 * fetch(ref, { out }) into the local store's own folders: e267bd6 / e83f6ad refused the client's
 * state, lock, cache and spool, but an out in the local backend's blocks/ (or incoming/, its temp
 * files) was fetched: the download planted a file among the content-addressed blocks, and one named
 * as a block (the sender's choice of name, or an app saving "next to the store") replaced that block
 * with other bytes, which the store then served for its CID. The port now lets a backend name the
 * folders it alone writes on this machine (StorageBackend.ownFolders; the local store: blocks/ and
 * incoming/), and the client refuses an out there as it refuses its own files.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("fetch with out in the local store's own folders", () => {
  test("blocks/ (a block's own file too) and incoming/ are refused at once, nothing journaled; beside them and outside the store is fetched", async () => {
    const { client, dir } = await startClient();
    const store = join(dir, "store");
    const file = writeRandomFile(dir, "photo.jpg", 40 * KiB);
    const { reference } = await client.share({ path: file.path }).done;
    const shard = readdirSync(join(store, "blocks"))[0] as string;
    const block = join(store, "blocks", shard, readdirSync(join(store, "blocks", shard))[0] as string);
    const blockBytes = readFileSync(block);
    const link = join(dir, "linked-store");
    symlinkSync(store, link);
    for (const out of [block, join(store, "blocks", "photo.jpg"), join(store, "blocks", "00", "new"), join(store, "incoming", "photo.jpg"), join(link, "blocks", "photo.jpg")]) {
      const error = thrown(() => client.fetch(reference, { out }));
      expect(error, out).toBeInstanceOf(StorageError);
      expect(error, out).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "out", path: out } });
      expect((error as Error).message, out).toMatch(/^options\.out .* is in the local backend's own folder .*store.(blocks|incoming)/);
      expect((error as Error).message, out).toMatch(/fetch to a file of the application's/);
    }
    expect(client.jobs().map((j) => j.kind)).toEqual(["upload"]);
    expect(readFileSync(block).equals(blockBytes)).toBe(true);
    // The store's folder itself is the application's to arrange: a folder of its own there is fetched into.
    mkdirSync(join(store, "exports"));
    const beside = await client.fetch(reference, { out: join(store, "exports", "photo.jpg") }).done;
    expect(readFileSync(beside.path).equals(file.bytes)).toBe(true);
  });

  test("a name there starting with two dots (blocks/..part, incoming/..x/photo.jpg) is inside the folder and refused; store/..blocks beside it is fetched", async () => {
    // The "outside" test read path.relative()'s "..part" as a step up and let the download plant it among the blocks.
    const { client, dir } = await startClient();
    const store = join(dir, "store");
    const file = writeRandomFile(dir, "photo.jpg", 40 * KiB);
    const { reference } = await client.share({ path: file.path }).done;
    mkdirSync(join(store, "incoming", "..x"), { recursive: true });
    for (const out of [join(store, "blocks", "..part"), join(store, "incoming", "..x", "photo.jpg")]) {
      const error = thrown(() => client.fetch(reference, { out }));
      expect(error, out).toBeInstanceOf(StorageError);
      expect(error, out).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "out", path: out } });
      expect((error as Error).message, out).toMatch(/^options\.out .* is in the local backend's own folder .*store.(blocks|incoming)/);
    }
    expect(client.jobs().map((j) => j.kind)).toEqual(["upload"]);
    expect(readdirSync(join(store, "blocks"))).not.toContain("..part");
    mkdirSync(join(store, "..blocks"));
    const beside = await client.fetch(reference, { out: join(store, "..blocks", "photo.jpg") }).done;
    expect(readFileSync(beside.path).equals(file.bytes)).toBe(true);
  });
});
