import { createHash } from "node:crypto";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { tempDir } from "../../support/temp-dir.js";
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

/**
 * `state.sqlite` in `folder`: a copy of the level-`level` fixture in WAL mode with one more peer
 * committed only in its -wal, the main file and -wal as an app killed before its checkpoint leaves them.
 */
export function fixtureWithCommitsInWal(level: number, folder: string): string {
  const live = copyFixture(level, tempDir());
  const path = join(folder, "state.sqlite");
  // A reader keeps the WAL from being checkpointed while the writer closes.
  const reader = new Database(live, { readonly: true });
  try {
    reader.prepare("SELECT count(*) FROM peers").get();
    const writer = new Database(live);
    writer.pragma("journal_mode = WAL");
    writer.prepare("INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES ('0x04' || hex(randomblob(64)), 1, 1, 1)").run();
    writer.close();
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
  } finally {
    reader.close();
  }
  return path;
}
