import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { MigrationCatalog, migrationChecksum, shippedCatalog, StateError, type MigrationDefinition } from "../../src/state/index.js";
import { releaseTable } from "../../src/versions/index.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

function refusal(defs: MigrationDefinition[]): StateError {
  try {
    new MigrationCatalog(defs);
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error("catalog accepted invalid migrations");
}

describe("shipped migrations", () => {
  test("the index lists exactly the migration files of migrations/, each under its own file name", () => {
    const dir = fileURLToPath(new URL("../../migrations/", import.meta.url));
    const files = readdirSync(dir)
      .filter((f) => /^\d{4}_.*\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
  });

  test("one level per release of the release table, shipped with that release's protocol", () => {
    const catalog = shippedCatalog();
    expect(catalog.maxLevel).toBe(releaseTable.newest.stateLevel);
    for (const release of releaseTable.rows) {
      const last = catalog.lastOfLevel(release.stateLevel);
      expect(last?.definition.protocol, release.release).toBe(release.protocol);
    }
  });

  test("compat levels follow docs/state-schema.md: 1, 1, 2", () => {
    expect(migrations.map((m) => m.compatLevel)).toEqual([1, 1, 2]);
  });

  test("the checksum is stable, ignores the summary and line endings, and changes with any SQL or level", () => {
    expect(migrationChecksum(m2)).toBe(migrationChecksum({ ...m2 }));
    expect(migrationChecksum({ ...m2, summary: "reworded" })).toBe(migrationChecksum(m2));
    expect(migrationChecksum({ ...m2, up: m2.up.map((s) => s.replace(/\n/g, "\r\n")) })).toBe(migrationChecksum(m2));
    expect(migrationChecksum({ ...m2, up: [...m2.up.slice(0, -1), m2.up[m2.up.length - 1] + " "] })).toBe(migrationChecksum(m2));
    expect(migrationChecksum({ ...m2, up: [...m2.up, "CREATE TABLE x (a INTEGER)"] })).not.toBe(migrationChecksum(m2));
    expect(migrationChecksum({ ...m2, down: m2.down.slice(1) })).not.toBe(migrationChecksum(m2));
    expect(migrationChecksum({ ...m2, compatLevel: 2 })).not.toBe(migrationChecksum(m2));
  });
});

describe("catalog rules refuse a bad build", () => {
  test("names must be NNNN_words and sorted", () => {
    expect(refusal([{ ...m1, name: "1_init" }]).code).toBe("E_STATE_INVALID_MIGRATION");
    expect(refusal([m2, m1]).message).toMatch(/must sort after|level/);
  });

  test("levels step by one starting at 1", () => {
    expect(refusal([m1, { ...m3, compatLevel: 1 }]).message).toMatch(/level 3 must be 1 or 2/);
    expect(refusal([{ ...m1, level: 2 }]).message).toMatch(/level 2 must be 0 or 1/);
  });

  test("a compat level above level - 1 would strand the previous release", () => {
    const e = refusal([m1, m2, { ...m3, compatLevel: 3 }]);
    expect(e.message).toMatch(/0003_level3_codex_first: compat level 3 must be between 1 and 2/);
  });

  test("statements that control transactions or pragmas are the runner's", () => {
    expect(refusal([{ ...m1, up: ["BEGIN", ...m1.up] }]).message).toMatch(/up statement 1 controls transactions/);
    expect(refusal([{ ...m1, up: [...m1.up, "-- comment\nPRAGMA foreign_keys = OFF"] }]).message).toMatch(/controls transactions, pragmas/);
    expect(refusal([{ ...m1, down: ["COMMIT", ...m1.down] }]).message).toMatch(/down statement 1/);
  });

  test("a down that does not restore the previous schema is refused at load", () => {
    const e = refusal([m1, { ...m2, down: m2.down.filter((s) => !s.includes("DROP COLUMN source")) }]);
    expect(e.message).toMatch(/down does not restore the previous schema: table communities: unexpected column source/);
  });

  test("removing a column an older level in the window still reads is refused (0003 without its compat bump)", () => {
    const e = refusal([m1, m2, { ...m3, compatLevel: 1 }]);
    expect(e.code).toBe("E_STATE_INVALID_MIGRATION");
    expect(e.message).toMatch(/code at level 1 could break on it: table inline_attachments: column thumbnail removed/);
  });

  test("dropping the column is refused too when level 2 had not retired it", () => {
    const { retires: _retired, ...m2NoRetire } = m2;
    const e = refusal([m1, m2NoRetire, m3]);
    expect(e.message).toMatch(/code at level 2 could break on it: table inline_attachments: column thumbnail removed/);
  });

  test("a NOT NULL column without default or a new unique index on an old table is not additive", () => {
    const notNull: MigrationDefinition = {
      ...m2,
      up: [...m2.up, "ALTER TABLE peers ADD COLUMN nick TEXT NOT NULL DEFAULT ''", "CREATE UNIQUE INDEX peers_seen ON peers (seen_at)"],
      down: ["DROP INDEX peers_seen", "ALTER TABLE peers DROP COLUMN nick", ...m2.down],
    };
    const e = refusal([m1, notNull]);
    expect(e.message).toMatch(/new unique index on \(seen_at\)/);
  });

  test("a statement that fails on an empty database names the migration and statement", () => {
    const e = refusal([m1, { ...m2, up: [...m2.up, "INSERT INTO nowhere VALUES (1)"] }]);
    expect(e.message).toMatch(/0002_level2_dual_path: up statement \d+ fails on an empty database: no such table: nowhere/);
  });
});
