import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import { realPathOf } from "../real-path.js";
import { comparedSizes, sizeText } from "../size-text.js";
import { StateError } from "../state-error.js";
import { openConnection } from "../state-file.js";
import { freeBytesOf } from "./work-folder-room.js";

/** SQLite's -shm of a WAL file: 32 KiB, the first thing the real run creates beside a file that has none. */
const SHM_BYTES = 32 * 1024;

/** How much the migrations grew the work copy: what the real upgrade needs beside the original. */
export interface UpgradeGrowth {
  /** The -wal the run wrote before its commit (every page it rewrote), in bytes. */
  readonly walBytes: number;
  /** How much larger the database is after the commit (its pages), in bytes; 0 when it did not grow. */
  readonly fileBytes: number;
  /** The database's pages before the migrations, in bytes: the original's, its -wal's commits included. */
  readonly bytesBefore: number;
}

/**
 * Keeps the work copy's -wal on disk while its migrations run, so that its size can be read after
 * them: the migration's connection, the last to close the copy, would checkpoint the -wal and
 * delete it. SQLite never shortens a -wal on its own, so its size afterwards is the most the run
 * wrote there before its commit. Undefined for a copy not in WAL mode (the run switches it, which
 * another connection would stop): nothing is measured then.
 */
export function keepWorkWal(work: string): Database.Database | undefined {
  let db: Database.Database | undefined;
  try {
    db = openConnection(work, { readOnly: false, create: false, busyTimeoutMs: 5_000 });
    if (db.pragma("journal_mode", { simple: true }) === "wal") return db;
  } catch {
    // Nothing measured: the migrations report whatever stops them.
  }
  db?.close();
  return undefined;
}

/** The growth, read through the keeper after the migrations committed; `bytesBefore` is the copy's size before them. */
export function growthOf(keeper: Database.Database, work: string, bytesBefore: number): UpgradeGrowth | undefined {
  try {
    const pages = keeper.pragma("page_count", { simple: true }) as number;
    const pageSize = keeper.pragma("page_size", { simple: true }) as number;
    const walBytes = existsSync(`${work}-wal`) ? statSync(`${work}-wal`).size : 0;
    return { walBytes, fileBytes: Math.max(0, pages * pageSize - bytesBefore), bytesBefore };
  } catch {
    return undefined;
  }
}

/**
 * The real upgrade writes as much beside the original as the migrations wrote on the copy: its
 * -wal until the commit (and a -shm if there is none yet), then the checkpoint grows the file while
 * that -wal is still there. A disk with less free space than the -wal needs stops it part way with
 * SQLITE_FULL (it rolls back, the file keeps its level); one with room for the -wal but not for the
 * growth lets it commit, and the checkpoint then fails without a word (SQLite ignores it): the disk
 * is left full, the upgrade only in the -wal, and the app's next write is refused. Either is
 * E_STATE_IO, the code the real run's failure has, with the sizes; undefined when there is room,
 * or when the OS does not say.
 *
 * The file grows to the copy's size after the upgrade, from its size on disk: an app's commits still
 * in its -wal (killed before its checkpoint) are in the copy's size before, not in the file, and the
 * checkpoint moves them too (the run's -wal frames go after theirs). Read once the rehearsal's own
 * copies are gone: a work folder on this disk held room the real run will have.
 */
export function upgradeShortOfRoom(path: string, growth: UpgradeGrowth): StateError | undefined {
  const real = realPathOf(path);
  const folder = dirname(real);
  const free = freeBytesOf(folder);
  let onDisk: number;
  try {
    onDisk = statSync(real).size;
  } catch {
    return undefined;
  }
  if (free === undefined) return undefined;
  const pending = Math.max(0, growth.bytesBefore - onDisk);
  const beforeCommit = growth.walBytes + (existsSync(`${real}-shm`) ? 0 : SHM_BYTES);
  const needed = beforeCommit + Math.max(0, growth.bytesBefore + growth.fileBytes - onDisk);
  if (free >= needed) return undefined;
  const measured =
    `on the copy the migrations wrote ${sizeText(growth.walBytes)} of -wal before their commit and grew the file by ${sizeText(growth.fileBytes)}` +
    (pending > 0 ? `, and the checkpoint also moves the ${sizeText(pending)} of commits already in ${path}-wal into the file` : "");
  const outcome =
    free < beforeCommit
      ? "so the real upgrade would stop part way with the disk full and roll back (the file keeps its level, nothing is lost)"
      : "so the real upgrade would commit, but the checkpoint that moves it from the -wal into the file would find the disk full: the disk is left full, the upgrade held in the -wal, and the app's next write refused";
  const [neededText, freeText] = comparedSizes(needed, free);
  return new StateError(
    "E_STATE_IO",
    `the real upgrade needs about ${neededText} free beside ${path}, and ${folder} has ${freeText}: ${measured}, ${outcome}; free space on that disk first`,
    { details: { path, folder, freeBytes: free, neededBytes: needed, walBytes: growth.walBytes, fileBytes: growth.fileBytes, pendingWalBytes: pending, osCode: "ENOSPC" } },
  );
}
