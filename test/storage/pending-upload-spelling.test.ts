/**
 * One file reached by two spellings of its folder (iOS's /var/… and /private/var/…, a folder behind
 * a symbolic link): pendingUploadOf finds the unfinished upload of it whichever spelling the
 * application gives, so "wait for it rather than start another" holds; otherwise the app uploads
 * the file twice (two jobs, every piece sent twice over a phone's network). Real folders and link.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { startClient, writeRandomFile, KiB } from "./support/client-fixture.js";

describe("pendingUploadOf(path) with another spelling of the file's folder", () => {
  test("through a symbolic link to its folder: it is the upload of the real spelling, and `pendingUploadOf(path) ?? share({ path })` uploads once; it was undefined and the file was uploaded twice", async () => {
    const { client, dir } = await startClient();
    const real = join(dir, "photos");
    mkdirSync(real);
    const link = join(dir, "link");
    symlinkSync(real, link, "dir");
    writeRandomFile(real, "x.jpg", 100 * KiB);
    const first = client.share({ path: join(link, "x.jpg") });
    const waiting = client.pendingUploadOf(join(real, "x.jpg"));
    const second = waiting ?? client.share({ path: join(real, "x.jpg") });
    await Promise.all([first.done, second.done]);
    expect(client.jobs().filter((j) => j.kind === "upload")).toHaveLength(1);
    expect(waiting?.id).toBe(first.id);
    expect(client.pendingUploadOf(join(link, "y.jpg"))).toBeUndefined();
  });
});
