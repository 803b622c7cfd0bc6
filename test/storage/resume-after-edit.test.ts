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
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { tempDir } from "../support/temp-dir.js";
import type { ShareResult } from "../../src/storage/index.js";

/** Times in whole seconds, so putting them back restores mtime to the nanosecond. */
const PINNED_TIME = 1_700_000_000;

test("an upload resumed after an in-place edit that kept size and mtime is refused (E_SOURCE_CHANGED) before anything is sealed again", async () => {
  const dir = tempDir("scc-resume-edit-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  // The first put reaches the store, then the run dies before journaling it.
  backend.afterPut = () => {
    backend.afterPut = undefined;
    throw new Error("crashed between the store and the journal (test)");
  };
  const { client } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  const before = statSync(path, { bigint: true });
  // The app rewrites the first piece's bytes and puts the times back.
  editInPlace(path, bytes, 10);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  const after = statSync(path, { bigint: true });
  expect([after.dev, after.ino, after.size, after.mtimeNs]).toEqual([before.dev, before.ino, before.size, before.mtimeNs]);
  const putsBefore = backend.puts;
  const again = client.retry(first.id);
  await expect(again.done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
  // Nothing was stored again: no second ciphertext under the first piece's nonces.
  expect(backend.puts).toBe(putsBefore);
});

test("an upload an earlier release began (its journal has no change time) resumes, and from that run on an edit that kept size and mtime is refused", async () => {
  const dir = tempDir("scc-resume-edit-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  // The first put of each of the first two runs reaches the store, then the run dies before journaling it.
  let crashes = 0;
  const crashOnNextPut = (): void => {
    backend.afterPut = () => {
      backend.afterPut = undefined;
      crashes++;
      throw new Error("crashed between the store and the journal (test)");
    };
  };
  crashOnNextPut();
  const { client, statePath } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  // What an earlier release would have recorded: the identity without its change time.
  const db = new Database(statePath);
  expect(db.prepare(`DELETE FROM settings WHERE key = ?`).run(`upload-source-ctime:${first.id}`).changes).toBe(1);
  db.close();
  crashOnNextPut();
  await expect(client.retry(first.id).done).rejects.toBeDefined();
  expect(crashes).toBe(2);
  editInPlace(path, bytes, 40 * KiB);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  const putsBefore = backend.puts;
  await expect(client.retry(first.id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
  expect(backend.puts).toBe(putsBefore);
});

test("an upload resumed with its file untouched (only read meanwhile) finishes, and the file comes back whole", async () => {
  const dir = tempDir("scc-resume-edit-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.afterPut = () => {
    backend.afterPut = undefined;
    throw new Error("crashed between the store and the journal (test)");
  };
  const { client } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  expect(readFileSync(path).equals(bytes)).toBe(true);
  const { reference } = await client.retry(first.id).done as ShareResult;
  const out = join(dir, "back.jpg");
  await client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(bytes)).toBe(true);
});

test("an upload resumed after its file was only renamed back and forth (no byte changed) is refused with a message that says a rename counts, not that the file was modified", async () => {
  const dir = tempDir("scc-resume-edit-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.afterPut = () => {
    backend.afterPut = undefined;
    throw new Error("crashed between the store and the journal (test)");
  };
  const { client } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  renameSync(path, `${path}.moved`);
  renameSync(`${path}.moved`, path);
  await expect(client.retry(first.id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED", message: expect.stringMatching(/renamed/) });
});
