/**
 * A resumed upload seals again, under the same key and nonces, the pieces that were in flight when
 * the last run stopped, and one of them may already be on a backend (put, not yet journaled). That
 * is harmless only if the bytes are the same. Stat fields cannot always tell: FAT/exFAT keep mtime
 * in 2 s / 10 ms steps and no change time, some network and FUSE file systems report neither
 * faithfully, and a same-size edit within one timestamp tick moves none of them. Here the file is
 * edited with its size and mtime put back, and the file system's blindness to the change time is
 * simulated by journaling the change time the file has after the edit: every stat field the run
 * compares is then as recorded. What the run must compare is what it sealed and sent.
 */
import { readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { ChunkOpener, prepareParams } from "../../src/crypto/index.js";
import type { ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Times in whole seconds, so putting them back restores mtime to the nanosecond. */
const PINNED_TIME = 1_700_000_000;
const SEALED_CHUNK = SMALL_PIECES.chunkSize + 16;

/** A file shared with one piece in flight; the run dies right after its `crashAt`-th put reached the store, before journaling it. */
async function firstRunDied(size: number, crashAt: number) {
  const dir = tempDir("scc-resume-blind-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  // Every body the store was given, in order: the test reads the nonces they went out under.
  const sent: Buffer[] = [];
  backend.beforePut = (bytes) => {
    sent.push(Buffer.from(bytes));
  };
  let puts = 0;
  backend.afterPut = () => {
    if (++puts < crashAt) return;
    backend.afterPut = undefined;
    throw new Error("crashed between the store and the journal (test)");
  };
  const { client, statePath } = await startClient({ dir, backend, retry: FAST_RETRY, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", size);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  const first = client.share({ path });
  await expect(first.done).rejects.toBeDefined();
  expect(backend.afterPut).toBeUndefined();
  return { dir, backend, client, statePath, path, bytes, id: first.id, sent };
}

/**
 * The file system cannot see the edit: the journal's change time is set to the one the file has now
 * (device, inode, size and mtime are the same already), as a file system without change times, or
 * an edit within one tick, leaves it.
 */
function blindToTheEdit(statePath: string, id: string, path: string): void {
  const db = new Database(statePath);
  try {
    const ctime = String(statSync(path, { bigint: true }).ctimeNs);
    expect(db.prepare(`UPDATE settings SET value = ? WHERE key = ?`).run(ctime, `upload-source-ctime:${id}`).changes).toBe(1);
  } finally {
    db.close();
  }
}

function query<T>(statePath: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/**
 * Every sealed chunk the store was given, by the chunk index (the nonce) it was sealed under: a put's
 * first chunk is tried under each nonce of the job's key, and the put's chunks follow it.
 */
function chunksByNonce(statePath: string, id: string, sent: readonly Buffer[]): Map<number, Set<string>> {
  const [row] = query<{ enc_key: Buffer; nonce_prefix: Buffer; chunk_size: number; plaintext_size: number }>(statePath, `SELECT * FROM upload_jobs WHERE id = ?`, id);
  if (row === undefined) throw new Error(`no job ${id}`);
  const opener = new ChunkOpener(prepareParams({ key: row.enc_key, noncePrefix: row.nonce_prefix, chunkSize: row.chunk_size }));
  const total = Math.ceil(row.plaintext_size / row.chunk_size);
  const byNonce = new Map<number, Set<string>>();
  for (const put of sent) {
    const firstEnd = Math.min(SEALED_CHUNK, put.byteLength);
    const first = [...Array(total).keys()].find((c) => opener.tryOpen(c, c === total - 1, put.subarray(0, firstEnd)) !== undefined);
    if (first === undefined) throw new Error("a put that no nonce of the job's key opens");
    for (let at = 0, c = first; at < put.byteLength; at += SEALED_CHUNK, c++) {
      const chunk = put.subarray(at, Math.min(at + SEALED_CHUNK, put.byteLength)).toString("hex");
      byNonce.set(c, (byNonce.get(c) ?? new Set()).add(chunk));
    }
  }
  return byNonce;
}

/** The chunk indexes the store was given two different ciphertexts for. */
function reusedNonces(statePath: string, id: string, sent: readonly Buffer[]): number[] {
  return [...chunksByNonce(statePath, id, sent)].filter(([, chunks]) => chunks.size > 1).map(([c]) => c);
}

/** The piece each put was, by its first chunk. */
function piecesPut(statePath: string, id: string, sent: readonly Buffer[]): number[] {
  const perPiece = SMALL_PIECES.pieceSize / SMALL_PIECES.chunkSize;
  return sent.map((put) => {
    const firsts = [...chunksByNonce(statePath, id, [put]).keys()];
    return Math.min(...firsts) / perPiece;
  });
}

const sealedRecords = (statePath: string, id: string): number => query<{ n: number }>(statePath, `SELECT count(*) AS n FROM settings WHERE key LIKE ?`, `upload-sealed:${id}:%`)[0]?.n ?? -1;

test("an upload resumed after a same-size edit its file system's timestamps cannot see is refused (E_SOURCE_CHANGED), and no nonce of its key goes out with a second ciphertext", async () => {
  const { client, statePath, path, bytes, id, sent } = await firstRunDied(96 * KiB, 1);
  // The piece whose put ended first is on the store and not journaled (piece 0, or piece 1 when its
  // store overtook piece 0's): what the next run must not seal from other bytes.
  const journaled = query<{ idx: number }>(statePath, `SELECT idx FROM upload_pieces WHERE job_id = ?`, id).map((r) => r.idx);
  const inFlight = piecesPut(statePath, id, sent).filter((i) => !journaled.includes(i));
  expect(inFlight.length).toBeGreaterThan(0);
  const edited = inFlight[0] as number;
  editInPlace(path, bytes, edited * SMALL_PIECES.pieceSize + 10);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  blindToTheEdit(statePath, id, path);
  const outcome = await client.retry(id).done.then(
    () => "done",
    (error: unknown) => error,
  );
  // Two ciphertexts under one AES-GCM nonce give away the plaintexts' XOR and the key's authentication subkey.
  expect(reusedNonces(statePath, id, sent)).toEqual([]);
  expect(outcome).toMatchObject({ code: "E_SOURCE_CHANGED", message: expect.stringMatching(new RegExp(`piece ${edited}\\b`)) });
  // The record of what went out stays with the failed job: a retry is refused the same way.
  await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
  expect(reusedNonces(statePath, id, sent)).toEqual([]);
});

test("an upload resumed on another store (its journaled pieces sent again there) after an edit its timestamps cannot see is refused before a piece goes out with other bytes", async () => {
  const { dir, client, statePath, path, bytes, id, sent } = await firstRunDied(96 * KiB, 2);
  const journaled = query<{ idx: number }>(statePath, `SELECT idx FROM upload_pieces WHERE job_id = ?`, id).map((r) => r.idx);
  expect(journaled.length).toBeGreaterThan(0);
  const edited = journaled[0] as number;
  editInPlace(path, bytes, edited * SMALL_PIECES.pieceSize + 10);
  utimesSync(path, PINNED_TIME, PINNED_TIME);
  blindToTheEdit(statePath, id, path);
  await client.stop();
  // The application moved to another node: it lacks every piece, so the run forgets them and seals them again.
  const other = new InstrumentedBackend(localStore(join(dir, "other-store")), "other-node");
  other.beforePut = (put) => {
    sent.push(Buffer.from(put));
  };
  const moved = await startClient({ dir, backend: other, retry: FAST_RETRY, piecesInFlight: 1 });
  const outcome = await moved.client.retry(id).done.then(
    () => "done",
    (error: unknown) => error,
  );
  expect(reusedNonces(statePath, id, sent)).toEqual([]);
  expect(outcome).toMatchObject({ code: "E_SOURCE_CHANGED", message: expect.stringMatching(new RegExp(`piece ${edited}\\b`)) });
});

test("an upload resumed with its file untouched sends only the pieces not journaled (the one in flight again, the same bytes) and the file comes back whole", async () => {
  const { dir, client, statePath, path, bytes, id, sent } = await firstRunDied(256 * KiB, 4);
  const journaled = query<{ idx: number }>(statePath, `SELECT idx FROM upload_pieces WHERE job_id = ? ORDER BY idx`, id).map((r) => r.idx);
  expect(journaled.length).toBeGreaterThan(0);
  expect(journaled.length).toBeLessThan(8);
  blindToTheEdit(statePath, id, path);
  const before = sent.length;
  const { reference } = (await client.retry(id).done) as ShareResult;
  const resumed = piecesPut(statePath, id, sent.slice(before));
  expect(resumed.sort((a, b) => a - b)).toEqual([...Array(8).keys()].filter((i) => !journaled.includes(i)));
  expect(reusedNonces(statePath, id, sent)).toEqual([]);
  // A done upload seals nothing from its source again: its records go with its identity.
  expect(sealedRecords(statePath, id)).toBe(0);
  const out = join(dir, "back.jpg");
  await client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(bytes)).toBe(true);
});

test("an upload an earlier release began (no record of what it sealed) resumes on its stat checks as before and finishes", async () => {
  const { dir, client, statePath, bytes, id } = await firstRunDied(96 * KiB, 1);
  const db = new Database(statePath);
  try {
    // What a release without these records leaves: none.
    expect(db.prepare(`DELETE FROM settings WHERE key LIKE ?`).run(`upload-sealed:${id}:%`).changes).toBeGreaterThan(0);
  } finally {
    db.close();
  }
  const { reference } = (await client.retry(id).done) as ShareResult;
  const out = join(dir, "back.jpg");
  await client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(bytes)).toBe(true);
});

test("the records of what an upload sealed are forgotten when it is cancelled, and those an earlier release leaves when it ends an upload are dropped at the next start", async () => {
  const cancelled = await firstRunDied(96 * KiB, 1);
  expect(sealedRecords(cancelled.statePath, cancelled.id)).toBeGreaterThan(0);
  cancelled.client.cancel(cancelled.id);
  await expect(cancelled.client.job(cancelled.id)?.done).rejects.toBeDefined();
  expect(sealedRecords(cancelled.statePath, cancelled.id)).toBe(0);

  const ended = await firstRunDied(96 * KiB, 1);
  expect(sealedRecords(ended.statePath, ended.id)).toBeGreaterThan(0);
  await ended.client.stop();
  // An earlier release ends the upload: it forgets the keys it knows, not these.
  const db = new Database(ended.statePath);
  try {
    db.prepare(`UPDATE upload_jobs SET state = 'cancelled' WHERE id = ?`).run(ended.id);
    db.prepare(`DELETE FROM settings WHERE key IN (?, ?)`).run(`upload-source:${ended.id}`, `upload-store:${ended.id}`);
  } finally {
    db.close();
  }
  const again = await startClient({ dir: ended.dir, backend: ended.backend });
  await again.client.stop();
  expect(sealedRecords(ended.statePath, ended.id)).toBe(0);
});
