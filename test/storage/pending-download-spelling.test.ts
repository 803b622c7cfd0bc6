/**
 * One destination reached by two spellings (iOS hands out /var/… and /private/var/…, one a link to
 * the other; any folder behind a symbolic link): pendingDownloadTo finds the unfinished download to
 * it whichever spelling the application gives, so the documented "wait for it rather than start
 * another" holds; two downloads renaming onto one file leave the later one's bytes under a path the
 * other reported done with another file's hash. Real folders and a real symbolic link.
 */
import Database from "better-sqlite3";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { pendingDownloadsTo, pendingUploadsOf } from "../../src/storage/index.js";
import { sha256Hex, startClient, writeRandomFile, KiB } from "./support/client-fixture.js";

describe("pendingDownloadTo(path) with another spelling of the destination", () => {
  test.each([
    ["a folder that exists", ["x.jpg"]],
    ["a folder the download is still to make", ["new", "x.jpg"]],
  ] as const)(
    "through a symbolic link to %s: it is the download to the real spelling, and the app's `pendingDownloadTo(out) ?? fetch(other, { out })` fetches nothing twice; it was undefined, a second download renamed onto the file and the first reported done with a hash the file no longer had",
    async (_, name) => {
      const { client, dir } = await startClient();
      const real = join(dir, "photos");
      mkdirSync(real);
      const link = join(dir, "link");
      symlinkSync(real, link, "dir");
      const a = writeRandomFile(dir, "a.bin", 100 * KiB);
      const b = writeRandomFile(dir, "b.bin", 100 * KiB);
      const { reference: refA } = await client.share({ path: a.path }).done;
      const { reference: refB } = await client.share({ path: b.path }).done;

      const first = client.fetch(refA, { out: join(real, ...name) });
      const waiting = client.pendingDownloadTo(join(link, ...name));
      // The other way round too: the journal row may hold either spelling.
      const again = client.pendingDownloadTo(join(real, ...name));
      const second = waiting ?? client.fetch(refB, { out: join(link, ...name) });
      const [done] = await Promise.all([first.done, second.done]);
      // What the first download reported done is what the file holds.
      expect(sha256Hex(readFileSync(join(real, ...name)))).toBe(Buffer.from(done.sha256).toString("hex"));
      expect(sha256Hex(readFileSync(join(real, ...name)))).toBe(sha256Hex(a.bytes));
      expect(client.jobs().filter((j) => j.kind === "download")).toHaveLength(1);
      expect(waiting?.id).toBe(first.id);
      expect(again?.id).toBe(first.id);
    },
  );

  test("a different file in the same real folder is not the same destination, nor is a link to a file a download would replace", async () => {
    const { client, dir } = await startClient();
    const real = join(dir, "photos");
    mkdirSync(real);
    symlinkSync(real, join(dir, "link"), "dir");
    const a = writeRandomFile(dir, "a.bin", 100 * KiB);
    const { reference } = await client.share({ path: a.path }).done;
    const job = client.fetch(reference, { out: join(real, "x.jpg") });
    expect(client.pendingDownloadTo(join(dir, "link", "y.jpg"))).toBeUndefined();
    // A link named z.jpg to x.jpg: a download to z.jpg replaces the link, not x.jpg.
    symlinkSync(join(real, "x.jpg"), join(real, "z.jpg"));
    expect(client.pendingDownloadTo(join(real, "z.jpg"))).toBeUndefined();
    await job.done;
  });
});

describe("pendingDownloadsTo / pendingUploadsOf (read from the journal before a client starts) with another spelling of the folder", () => {
  test("a download and an upload journaled through a linked folder (by the app, or by the adjacent release, which keeps paths as given) are found by the real spelling the CLI looks them up with; they were not, so `file get`/`file put` started a second transfer beside the resumed one", async () => {
    const { client, dir, statePath } = await startClient();
    const real = join(dir, "photos");
    mkdirSync(real);
    const link = join(dir, "link");
    symlinkSync(real, link, "dir");
    const a = writeRandomFile(real, "a.bin", 100 * KiB);
    const { reference } = await client.share({ path: a.path }).done;
    const download = client.fetch(reference, { out: join(link, "x.jpg") });
    const upload = client.share({ path: join(link, "a.bin") });
    await client.stop();
    await Promise.allSettled([download.done, upload.done]);
    const db = new Database(statePath, { readonly: true });
    try {
      // The rows keep the spelling they were given.
      expect(db.prepare(`SELECT dest_path FROM download_jobs WHERE id = ?`).pluck().get(download.id)).toBe(join(link, "x.jpg"));
      const unfinished = (sql: string, id: string): boolean => db.prepare(sql).pluck().get(id) !== "done";
      expect(unfinished(`SELECT state FROM download_jobs WHERE id = ?`, download.id)).toBe(true);
      expect(unfinished(`SELECT state FROM upload_jobs WHERE id = ?`, upload.id)).toBe(true);
      expect(pendingDownloadsTo(db, join(real, "x.jpg")).map((d) => d.id)).toEqual([download.id]);
      expect(pendingUploadsOf(db, join(real, "a.bin")).map((u) => u.id)).toEqual([upload.id]);
      expect(pendingDownloadsTo(db, join(real, "y.jpg"))).toEqual([]);
    } finally {
      db.close();
    }
  });
});
