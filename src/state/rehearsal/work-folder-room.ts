import { statfsSync } from "node:fs";
import { comparedSizes } from "../size-text.js";
import { StateError } from "../state-error.js";

/**
 * Refuses, before anything is copied, a work folder whose file system has less room than the copy
 * itself needs (`bytes`, the database's pages as the snapshot sees them): that copy could only fail,
 * after writing up to the folder's free space. The copy's migrations need more again for their WAL
 * (about the size of the tables they rewrite), which cannot be known before they run; that shortfall
 * still fails the migrations line with its I/O code, as before. Undefined when there is room, or when
 * the OS does not say (the copy then finds out).
 */
export function workFolderShortOfRoom(workDir: string, bytes: number, original: string): StateError | undefined {
  const free = freeBytesOf(workDir);
  if (free === undefined || free >= bytes) return undefined;
  return new StateError("E_STATE_IO", workFolderRoomText(`the work folder ${workDir}`, { workDir, freeBytes: free, neededBytes: bytes }, original, "pass another workDir"), {
    details: { path: original, workDir, freeBytes: free, neededBytes: bytes, osCode: "ENOSPC" },
  });
}

/** The bytes an unprivileged process may still write on `folder`'s file system; undefined when the OS does not say. */
export function freeBytesOf(folder: string): number | undefined {
  try {
    const fs = statfsSync(folder);
    const free = Number(fs.bavail) * Number(fs.bsize);
    return Number.isFinite(free) ? free : undefined;
  } catch {
    return undefined;
  }
}

/** The room a work folder lacked for the copy (the `copy` line's `room`): the folder, its free bytes, the copy's size. */
export interface WorkFolderRoom {
  readonly workDir: string;
  readonly freeBytes: number;
  readonly neededBytes: number;
}

/**
 * The refusal's words, with the folder named as `where` and the way on as `advice`: the library names
 * the workDir it was given and its option; the CLI, whose workDir is a folder of its run's own (gone
 * when the message is read), names the --work-dir or temp folder the user can free, and its flag.
 */
export function workFolderRoomText(where: string, room: WorkFolderRoom, original: string, advice: string): string {
  const [free, needed] = comparedSizes(room.freeBytes, room.neededBytes);
  return (
    `${where} has ${free} free, and the rehearsal's copy of ${original} needs ${needed} there ` +
    `(its migrations about as much again for their WAL); nothing was copied. Free space there, or ${advice} on a disk with room`
  );
}
