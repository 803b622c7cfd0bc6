/**
 * A piece can reach the store just before a crash without being journaled: the next run seals it
 * again, under the same key and nonces. If the file was edited in place meanwhile with its
 * modification time put back (`touch -r`, `exiftool -P`, a sync tool restoring times), the store
 * would then hold two ciphertexts of different bytes under one AES-GCM nonce, which gives away
 * their XOR and the key's authentication subkey. The resumed run must refuse such a file.
 */
import { readFileSync, renameSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import type { ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Times in whole seconds, so putting them back restores mtime to the nanosecond. */
const PINNED_TIME = 1_700_000_000;

/** The next put reaches the store, then its run dies before journaling it. */
function crashAfterNextPut(backend: InstrumentedBackend): void {
  backend.afterPut = () => {
    backend.afterPut = undefined;
    throw new Error("crashed between the store and the journal (test)");
  };
}

/** A 96 KiB file shared once, one piece in flight, the run dying after its first put; `pinTimes` sets mtime to whole seconds first. */
async function firstRunDied(pinTimes: boolean) {
  const dir = tempDir("scc-resume-edit-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  crashAfterNextPut(backend);
  const { client, statePath } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  if (pinTimes) utimesSync(path, PINNED_TIME, PINNED_TIME);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  return { dir, backend, client, statePath, path, bytes, id: first.id };
}

/** The app rewrites the byte at `at` and puts the times back. */
function editKeepingTimes(path: string, bytes: Buffer, at: number): void {
  editInPlace(path, bytes, at);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
}

test("an upload resumed after an in-place edit that kept size and mtime is refused (E_SOURCE_CHANGED) before anything is sealed again", async () => {
  const { backend, client, path, bytes, id } = await firstRunDied(true);
  const before = statSync(path, { bigint: true });
  editKeepingTimes(path, bytes, 10);
  const after = statSync(path, { bigint: true });
  expect([after.dev, after.ino, after.size, after.mtimeNs]).toEqual([before.dev, before.ino, before.size, before.mtimeNs]);
  const putsBefore = backend.puts;
  await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
  // Nothing was stored again: no second ciphertext under the first piece's nonces.
  expect(backend.puts).toBe(putsBefore);
});

test("an upload an earlier release began (its journal has no change time) resumes, and from that run on an edit that kept size and mtime is refused", async () => {
  const { backend, client, statePath, path, bytes, id } = await firstRunDied(true);
  // What an earlier release would have recorded: the identity without its change time.
  const db = new Database(statePath);
  expect(db.prepare(`DELETE FROM settings WHERE key = ?`).run(`upload-source-ctime:${id}`).changes).toBe(1);
  db.close();
  // The resumed run (which records the change time) dies after its first put too.
  crashAfterNextPut(backend);
  await expect(client.retry(id).done).rejects.toBeDefined();
  expect(backend.afterPut).toBeUndefined();
  editKeepingTimes(path, bytes, 40 * KiB);
  const putsBefore = backend.puts;
  await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
  expect(backend.puts).toBe(putsBefore);
});

test("an upload resumed with its file untouched (only read meanwhile) finishes, and the file comes back whole", async () => {
  const { dir, client, path, bytes, id } = await firstRunDied(false);
  expect(readFileSync(path).equals(bytes)).toBe(true);
  const { reference } = (await client.retry(id).done) as ShareResult;
  const out = join(dir, "back.jpg");
  await client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(bytes)).toBe(true);
});

test("an upload resumed after its file was only renamed back and forth (no byte changed) is refused with a message that says a rename counts, not that the file was modified", async () => {
  const { client, path, id } = await firstRunDied(false);
  renameSync(path, `${path}.moved`);
  renameSync(`${path}.moved`, path);
  await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED", message: expect.stringMatching(/renamed/) });
});
