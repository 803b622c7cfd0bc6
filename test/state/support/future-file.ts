import Database from "better-sqlite3";
import { copyFixture } from "./files.js";

/**
 * `name` in `dir`: the level-3 fixture as a release newer than this build would leave it, one more
 * migration (`0004_level4_future`) applied at level 4 with compat level `compatLevel` (4: no
 * release this build knows may open it; 3: 0.3.0 still may). Written through SQLite, bookkeeping
 * consistent (version row, migration log and header agree), as the newer runner records it.
 */
export function fileFromNewerRelease(dir: string, compatLevel: number, name = "future.sqlite"): string {
  const path = copyFixture(3, dir, name);
  const db = new Database(path);
  try {
    db.exec(
      `INSERT INTO _state_migrations (name, protocol, level, compat_level, checksum, schema_fingerprint, applied_at, duration_ms)
         SELECT '0004_level4_future', 4, 4, ${compatLevel}, 'a newer build''s checksum', schema_fingerprint, applied_at + 1, 1
         FROM _state_migrations ORDER BY seq DESC LIMIT 1;
       UPDATE _state_version SET level = 4, compat_level = ${compatLevel};
       PRAGMA user_version = 4;`,
    );
  } finally {
    db.close();
  }
  return path;
}
