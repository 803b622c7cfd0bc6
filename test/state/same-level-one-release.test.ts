import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { MigrationCatalog, StateError, type MigrationDefinition } from "../../src/state/index.js";

/**
 * The same-level rule (bbdc7e0): a migration that shares its level with the one before it must be
 * additive over it, because a build of that level without it (the earlier release of the level, a
 * pre-release) opens the files it migrated. The catalog cannot see release boundaries inside a
 * level, so two migrations of a new level shipped together in one release are held to the rule as
 * well. Decided acceptable (docs/state.md, Adding a migration): such a release merges the two, and
 * the refusal says so; what this file holds is that the merge is accepted and the refusal names it.
 */
const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];
const createNotes: MigrationDefinition = {
  name: "0004_level4_notes",
  protocol: 4,
  level: 4,
  compatLevel: 3,
  summary: "notes per community",
  up: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, community_id TEXT NOT NULL, body TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0) STRICT"],
  down: ["DROP TABLE notes"],
};
const dropPinned: MigrationDefinition = {
  name: "0005_level4_notes_unpinned",
  protocol: 4,
  level: 4,
  compatLevel: 3,
  summary: "notes lose their pinned flag (same release as 0004)",
  up: ["ALTER TABLE notes DROP COLUMN pinned"],
  down: ["ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"],
};

describe("two migrations of one level in one release", () => {
  test("a second one that is not additive over the first is refused at load, and the refusal says to merge them when neither is released", () => {
    let error: unknown;
    try {
      new MigrationCatalog([m1, m2, m3, createNotes, dropPinned]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("E_STATE_INVALID_MIGRATION");
    expect((error as StateError).message).toMatch(/^migration 0005_level4_notes_unpinned: it shares level 4 with 0004_level4_notes, .*table notes: column pinned removed/);
    expect((error as StateError).message).toMatch(/if neither has been released, merge it into 0004_level4_notes/);
  });

  test("merged into one migration, the same schema is accepted", () => {
    const merged: MigrationDefinition = {
      ...createNotes,
      up: ["CREATE TABLE notes (id INTEGER PRIMARY KEY, community_id TEXT NOT NULL, body TEXT NOT NULL) STRICT"],
    };
    const catalog = new MigrationCatalog([m1, m2, m3, merged]);
    expect(catalog.maxLevel).toBe(4);
    expect(catalog.schemaAtLevel(4).tables.find((t) => t.name === "notes")?.columns.map((c) => c.name)).toEqual(["body", "community_id", "id"]);
  });
});
