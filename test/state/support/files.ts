import { createHash } from "node:crypto";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const STATE_FIXTURES = fileURLToPath(new URL("../../../fixtures/state/", import.meta.url));

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Files in the same folder whose names start with the database's name (WAL, SHM, lock, journal). */
export function siblings(path: string): string[] {
  const name = basename(path);
  return readdirSync(dirname(path)).filter((f) => f.startsWith(name)).sort();
}

/** A copy of fixtures/state/levelN.sqlite in `dir`. */
export function copyFixture(level: number, dir: string, name = `level${level}.sqlite`): string {
  const out = join(dir, name);
  copyFileSync(join(STATE_FIXTURES, `level${level}.sqlite`), out);
  return out;
}
