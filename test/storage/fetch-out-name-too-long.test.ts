/**
 * A destination whose name is longer than the file system allows (a file name made from a long chat
 * message, 255 bytes on ext4 and APFS) can never be written: the download must say so before it
 * fetches anything, not fetch and verify the whole file and then fail at the rename with advice
 * about free space and permissions (and fetch it all again on every retry).
 */
import { join } from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

test("a fetch to a name too long for the file system fails E_LOCAL_IO saying the name is too long, before any piece is fetched", async () => {
  const dir = tempDir("scc-out-too-long-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend });
  const sent = writeRandomFile(dir, "photo.jpg", 100 * KiB);
  const { reference } = await client.share({ path: sent.path }).done;
  const out = join(dir, `${"a".repeat(300)}.jpg`);
  const error = await client.fetch(reference, { out }).done.then(
    () => undefined,
    (e: { code?: string; message?: string; details?: { code?: string } }) => e,
  );
  expect(error).toMatchObject({ code: "E_LOCAL_IO", details: { code: "ENAMETOOLONG" } });
  expect(error?.message).toMatch(/too long/);
  expect(error?.message).not.toMatch(/free space/);
  expect(backend.gets).toBe(0);
});
