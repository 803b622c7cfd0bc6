/**
 * What the resume tests start from: a file shared into `<work>/store`, and a download of it as a
 * stopped or crashed run leaves it in the journal (`downloading`, some pieces verified), written
 * into the state file by hand so the next run is the one under test.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { StorageClient, type ShareResult } from "../../../src/storage/index.js";
import { SMALL_PIECES, localStore } from "./client-fixture.js";

export interface SharedRandomFile {
  bytes: Buffer;
  reference: Uint8Array;
  /** The reference decoded (its pieces' CIDs and sha256s). */
  view: ShareResult["view"];
}

export interface ShareOptions {
  pieces?: { chunkSize: number; pieceSize: number };
  /** The sharer's state file and data folder; by default `<work>/state.sqlite` and `<work>/data`, the downloader's too. */
  statePath?: string;
  dataDir?: string;
}

/** Shares `size` random bytes (written to `<work>/source.bin`) into `<work>/store`; returns them and the reference (bytes and view). */
export async function shareRandomFile(work: string, size: number, options: ShareOptions = {}): Promise<SharedRandomFile> {
  const backend = localStore(join(work, "store"));
  const client = await StorageClient.open({
    protocol: 3,
    backend,
    statePath: options.statePath ?? join(work, "state.sqlite"),
    dataDir: options.dataDir ?? join(work, "data"),
    renewEveryMs: 0,
    ...(options.pieces ?? SMALL_PIECES),
  });
  try {
    const bytes = randomBytes(size);
    writeFileSync(join(work, "source.bin"), bytes);
    const { reference, view } = await client.share({ path: join(work, "source.bin") }).done;
    return { bytes, reference, view };
  } finally {
    await client.stop();
    await backend.close();
  }
}

/**
 * A download of `reference` to `<work>/out.bin` journaled in `<work>/state.sqlite` as running, its
 * pieces 0..verified-1 verified; nothing is written at its temp path or destination.
 */
export function journalRunningDownload(work: string, reference: Uint8Array, verified: number): { id: string; dest: string; tempPath: string } {
  const id = randomUUID();
  const dest = join(work, "out.bin");
  const tempPath = `${dest}.${id.slice(0, 8)}.part`;
  const db = new Database(join(work, "state.sqlite"));
  try {
    const at = Date.now();
    db.prepare(
      `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, attempts, created_at, updated_at) VALUES (?, 'downloading', ?, ?, ?, 1, ?, ?)`,
    ).run(id, Buffer.from(reference), dest, tempPath, at, at);
    const piece = db.prepare(`INSERT INTO download_pieces (job_id, idx, verified_at) VALUES (?, ?, ?)`);
    for (let i = 0; i < verified; i++) piece.run(id, i, at);
  } finally {
    db.close();
  }
  return { id, dest, tempPath };
}
