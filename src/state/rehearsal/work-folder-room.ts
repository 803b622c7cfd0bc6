import { statfsSync } from "node:fs";
import { StateError } from "../state-error.js";

const MIB = 2 ** 20;

/**
 * Refuses, before anything is copied, a work folder whose file system has less room than the copy
 * itself needs (`bytes`, the database's pages as the snapshot sees them): that copy could only fail,
 * after writing up to the folder's free space. The copy's migrations need more again for their WAL
 * (about the size of the tables they rewrite), which cannot be known before they run; that shortfall
 * still fails the migrations line with its I/O code, as before. Undefined when there is room, or when
 * the OS does not say (the copy then finds out).
 */
export function workFolderShortOfRoom(workDir: string, bytes: number, original: string): StateError | undefined {
  let free: number;
  try {
    const fs = statfsSync(workDir);
    free = Number(fs.bavail) * Number(fs.bsize);
  } catch {
    return undefined;
  }
  if (!Number.isFinite(free) || free >= bytes) return undefined;
  return new StateError(
    "E_STATE_IO",
    `the work folder ${workDir} has ${(free / MIB).toFixed(1)} MiB free, and the rehearsal's copy of ${original} needs ${(bytes / MIB).toFixed(1)} MiB there ` +
      "(its migrations about as much again for their WAL); nothing was copied. Free space there, or give a --work-dir (the API's workDir) on a disk with room",
    { details: { path: original, workDir, freeBytes: free, neededBytes: bytes, osCode: "ENOSPC" } },
  );
}
