import { copyFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "../../support/temp-dir.js";
import { copyFixture } from "./files.js";

/**
 * A level-2 WAL database and a `-shm` of it, no `-wal`, in a folder of its own: SQLite cannot read it
 * in a folder where it cannot create the `-wal` (a read-only file system). Returns both paths.
 */
export function walDatabaseWithShmOnly(): string[] {
  const live = copyFixture(2, tempDir(), "live.sqlite");
  const image = tempDir();
  const db = new Database(live);
  try {
    db.prepare("SELECT count(*) FROM peers").get();
    copyFileSync(live, join(image, "state.sqlite"));
    copyFileSync(`${live}-shm`, join(image, "state.sqlite-shm"));
  } finally {
    db.close();
  }
  return [join(image, "state.sqlite"), join(image, "state.sqlite-shm")];
}
