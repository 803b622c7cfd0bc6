/**
 * docs/storage.md: an out ending in a separator names a folder, and fetch() refuses it (E_LOCAL_IO,
 * EISDIR) before anything is fetched. pendingDownloadTo("…/x.jpg/") dropped the separator and
 * answered the unfinished download to the file x.jpg, so the documented
 * `pendingDownloadTo(out) ?? fetch(ref, { out })` took a folder's path for that file's download
 * and waited on it, where fetch() would have said the path names a folder.
 */
import { randomBytes } from "node:crypto";
import { join, sep } from "node:path";
import { expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

test("pendingDownloadTo of a path ending in a separator is no download, beside an unfinished one to the file of that name", async () => {
  const { client, dir } = await startClient();
  const { reference } = await client.share({ bytes: randomBytes(10 * KiB), fileName: "x.jpg" }).done;
  const out = join(dir, "x.jpg");
  const job = client.fetch(reference, { out });
  expect(client.pendingDownloadTo(out)?.id).toBe(job.id);
  expect(client.pendingDownloadTo(`${out}${sep}`)).toBeUndefined();
  expect(client.pendingDownloadTo(`${out}/`)).toBeUndefined();
  expect(() => client.fetch(reference, { out: `${out}${sep}` })).toThrow(expect.objectContaining({ code: "E_LOCAL_IO" }));
  await job.done;
});
