/**
 * A fetch whose `out` is an existing folder can never be renamed into place. It must fail before
 * anything is fetched, with E_LOCAL_IO saying the destination is a folder, not after the whole file
 * was downloaded with advice about free space and permissions (so a retry downloaded it all again).
 */
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

describe("a fetch to a path that is a folder", () => {
  test("fails E_LOCAL_IO naming the folder before any piece is fetched; the folder is left as it was", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(100 * 1024));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const out = join(dir, "photos");
    mkdirSync(out);
    writeFileSync(join(out, "kept.jpg"), "x");
    const job = client.fetch(reference, { out });
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.message).toContain(`${out} is a folder`);
    expect(error.message).not.toContain("free space");
    expect(job.progress.piecesDone).toBe(0);
    expect(readdirSync(out)).toEqual(["kept.jpg"]);
    expect(readdirSync(dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  test("a symbolic link to a folder is refused the same way (E_LOCAL_IO, EISDIR) before any piece is fetched: the link and the folder are left as they were (the link was replaced by the file)", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(100 * 1024));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    mkdirSync(join(dir, "photos"));
    writeFileSync(join(dir, "photos", "kept.jpg"), "x");
    const out = join(dir, "link");
    symlinkSync(join(dir, "photos"), out);
    const job = client.fetch(reference, { out });
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe("E_LOCAL_IO");
    expect(error.details).toMatchObject({ code: "EISDIR" });
    expect(error.message).toContain(`${out} is a folder behind a symbolic link`);
    expect(job.progress.piecesDone).toBe(0);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(readlinkSync(out)).toBe(join(dir, "photos"));
    expect(readdirSync(join(dir, "photos"))).toEqual(["kept.jpg"]);
    expect(readdirSync(dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  test("a symbolic link to a file is still replaced by the downloaded file (the file it named is not written)", async () => {
    const { client, dir } = await startClient();
    const bytes = randomBytes(100 * 1024);
    writeFileSync(join(dir, "source.bin"), bytes);
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    writeFileSync(join(dir, "old.jpg"), "old");
    const out = join(dir, "link");
    symlinkSync(join(dir, "old.jpg"), out);
    await client.fetch(reference, { out }).done;
    expect(lstatSync(out).isFile()).toBe(true);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(readFileSync(join(dir, "old.jpg"), "utf8")).toBe("old");
  });
});
