/**
 * The folder a download writes into removed while it runs (the user deleted it, or the OS cleared
 * an app's cache folder under storage pressure): the temp file went with it, so the finished file
 * has nowhere to go.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { sha256Hex, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

test("a download whose folder was removed under it fails E_LOCAL_IO saying so, not as a disk that is full or refuses permission, and retry() fetches it into the folder made again", async () => {
  const sender = await startClient();
  const { path, bytes } = writeRandomFile(sender.dir, "photo.jpg", 6 * SMALL_PIECES.pieceSize);
  const { reference } = await sender.client.share({ path }).done;
  const store = new InstrumentedBackend(sender.backend);
  const { client, dir } = await startClient({ backend: store });
  const folder = join(dir, "chat-media");
  mkdirSync(folder);
  // The first piece is asked for once the temp file is made (and its folder synced): removed with its folder then.
  let removed = false;
  store.beforeGet = () => {
    if (!removed) rmSync(folder, { recursive: true });
    removed = true;
  };
  const job = client.fetch(reference, { out: join(folder, "photo.jpg") });
  const error = (await job.done.catch((e: unknown) => e)) as StorageError;
  expect(error).toBeInstanceOf(StorageError);
  expect(error.code, error.message).toBe("E_LOCAL_IO");
  expect(error.message, error.message).toMatch(/folder/);
  expect(error.message).not.toMatch(/free space|permission/);
  expect(existsSync(folder)).toBe(false);
  const again = (await client.retry(job.id).done) as FetchResult;
  expect(sha256Hex(readFileSync(again.path))).toBe(sha256Hex(bytes));
});
