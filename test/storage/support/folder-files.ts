import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Temp files (`.part`) in a folder, and the bytes of every file there: what a download leaves on disk. */
export function onDisk(folder: string): { parts: number; bytes: number } {
  let parts = 0;
  let bytes = 0;
  for (const name of readdirSync(folder)) {
    if (name.endsWith(".part")) parts++;
    bytes += statSync(join(folder, name)).size;
  }
  return { parts, bytes };
}
