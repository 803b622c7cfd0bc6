import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { shippedCatalog } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

/**
 * A release judges a file a newer release migrated by the schema description and fingerprint
 * that newer build recorded (`_state_version.schema`, `schema_fingerprint`), computed with the
 * newer build's describeSchema, against its own describeSchema of the file. So the description's
 * format is part of the N/N+1 contract: a change to what it lists, its order or its wording of a
 * type or default makes every older release refuse every file this one writes (E_STATE_DIRTY,
 * "its schema does not match level …"). fixtures/state/levelN.sqlite hold what the released
 * builds recorded; this build must compute exactly that, level by level (and a regenerated
 * fixture of a released level that differs is that same break: commit only a new level's).
 */
describe("the schema description is what released builds recorded", () => {
  test.each([1, 2, 3])("level %i: the fingerprint and description this build computes equal fixtures/state/level%i.sqlite's", (level) => {
    const catalog = shippedCatalog();
    // A copy: a read-only connection to a WAL file leaves its -wal and -shm beside it, here in the repository.
    const db = new Database(copyFixture(level, tempDir()), { readonly: true });
    try {
      const recorded = db.prepare("SELECT schema_fingerprint AS fingerprint, schema FROM _state_version").get() as { fingerprint: string; schema: string };
      const log = db.prepare("SELECT name, schema_fingerprint AS fingerprint FROM _state_migrations ORDER BY seq").all() as { name: string; fingerprint: string }[];
      const entry = catalog.lastOfLevel(level);
      expect(JSON.parse(recorded.schema)).toEqual(entry?.schemaAfter);
      expect(recorded.fingerprint).toBe(entry?.fingerprintAfter);
      for (const row of log) expect(row.fingerprint, row.name).toBe(catalog.byName(row.name)?.fingerprintAfter);
    } finally {
      db.close();
    }
  });
});
