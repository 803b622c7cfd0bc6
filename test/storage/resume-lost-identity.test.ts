/**
 * The state database runs WAL with synchronous = NORMAL: a power cut (a phone whose battery dies, a
 * kernel crash) loses the last commits, while a piece already put on a remote node stays there. A
 * first run records the source's identity, then seals and puts pieces under the job's key and nonce
 * prefix. Lose that identity with the commits after it, edit the file, and the next run found no
 * identity, recorded the edited file's, and sealed it again under the same key and nonces: the node
 * held two ciphertexts of different bytes under one AES-GCM nonce (their XOR, and the
 * authentication subkey, given away). A run that records the identity itself seals under a key and
 * prefix of its own, recorded in the same transaction: lost with it, they are never used again.
 */
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import type { ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Bytes of the target's pieces (32 KiB of plaintext in 4 KiB chunks); the blocker's one piece is smaller. */
const TARGET_PIECE = 32 * KiB + 8 * 16;

function xor(a: Buffer, b: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

test("a first run whose journal writes a power cut lost, its file edited since, does not seal the edited file under the nonces its pieces went out under", async () => {
  const dir = tempDir("scc-lost-identity-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const targetPuts: Buffer[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let blocking = true;
  backend.beforePut = async (bytes) => {
    if (bytes.byteLength === TARGET_PIECE) targetPuts.push(Buffer.from(bytes));
    else if (blocking) {
      blocking = false;
      await gate;
    }
  };
  const first = await startClient({ dir, backend, piecesInFlight: 1, jobsInFlight: 1 });
  // Another upload holds the only job slot, so the target's row is journaled and not yet run.
  const other = writeRandomFile(dir, "other.bin", 1 * KiB);
  const blocker = first.client.share({ path: other.path });
  await until(() => !blocking, "the blocker's put");
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 96 * KiB);
  const target = first.client.share({ path });
  // What survives the power cut: every commit up to here.
  const snapshot = join(dir, "snapshot.sqlite");
  const db = new Database(first.statePath);
  try {
    db.prepare("VACUUM INTO ?").run(snapshot);
  } finally {
    db.close();
  }
  // The target's first run: its first piece reaches the store, then the run dies.
  backend.afterPut = (put) => {
    if (put.byteLength !== TARGET_PIECE) return;
    backend.afterPut = undefined;
    throw new Error("the power went (test)");
  };
  release();
  await blocker.done;
  await expect(target.done).rejects.toBeDefined();
  // Piece 0, and the next piece when its seal overtook piece 0's store: in the order the pieces went.
  const lost = targetPuts.length;
  expect(lost).toBeGreaterThan(0);
  await first.client.stop();

  // The power cut: the run's commits (its identity, its state) are gone; the put piece is not.
  for (const suffix of ["", "-wal", "-shm"]) rmSync(first.statePath + suffix, { force: true });
  copyFileSync(snapshot, first.statePath);
  // The user edits the file before the app starts again.
  editInPlace(path, bytes, 10);
  const edited = readFileSync(path);

  const second = await startClient({ dir, backend, piecesInFlight: 1, jobsInFlight: 1 });
  const resumed = second.client.job(target.id);
  expect(resumed).toBeDefined();
  const { reference } = (await resumed?.done) as ShareResult;
  // The node holds piece 0 as the lost run sealed it and as this run did. Under one key and nonce
  // their XOR would be the XOR of the two plaintexts, which an attacker holding both could read.
  const [before, after] = [targetPuts[0] as Buffer, targetPuts[lost] as Buffer];
  expect(after).toBeDefined();
  const n = 4 * KiB;
  expect(xor(before, after, n).equals(xor(bytes, edited, n))).toBe(false);
  // And the file shared is the file as it is now.
  const out = join(dir, "back.jpg");
  await second.client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(edited)).toBe(true);
});
