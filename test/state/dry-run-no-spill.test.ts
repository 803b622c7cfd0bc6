/**
 * `migrate up --dry-run` runs the migrations on the real file inside a transaction it rolls back.
 * A run whose changed pages outgrow the page cache (16,000 KiB as better-sqlite3 builds SQLite: a large user's
 * upgrade) had them spilled before the rollback: into the -wal of a WAL file (a -wal with the
 * app's last commits grew by every page the run rewrote), into the file itself for a
 * rollback-journal file (its pages overwritten, then put back from a -journal: a kill in between
 * left a hot journal and a rewritten file). dry-run-wal.test.ts's small fixture never spills.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { inspectState, MigrationCatalog, migrateState, type MigrationDefinition } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, fixtureWithCommitsInWal, sha256File, siblings } from "./support/files.js";

const [m1, m2, m3] = migrations as [MigrationDefinition, MigrationDefinition, MigrationDefinition];

// About 24 MiB of new pages in the run, past the page cache better-sqlite3 builds SQLite with (16,000 KiB).
const heavy: MigrationDefinition = {
  ...m3,
  up: [
    ...m3.up,
    "CREATE TABLE ballast (id INTEGER PRIMARY KEY, b BLOB NOT NULL)",
    "INSERT INTO ballast (b) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) SELECT randomblob(4000) FROM n",
  ],
  down: ["DROP TABLE ballast", ...m3.down],
};
const catalog = new MigrationCatalog([m1, m2, heavy]);

interface Look {
  readonly files: string[];
  readonly [file: string]: unknown;
}

/** Bytes and mtime of the file and each sibling but the -shm (SQLite's shared index, rebuilt by any reader). */
function look(path: string): Look {
  const files = siblings(path);
  const out: Record<string, unknown> = { files };
  for (const name of files) {
    if (name.endsWith("-shm")) continue;
    const file = join(path, "..", name);
    out[name] = { sha: sha256File(file), mtime: statSync(file).mtimeMs };
  }
  return out as Look;
}

function rollbackJournalFile(): string {
  const path = copyFixture(1, tempDir());
  const db = new Database(path);
  try {
    db.pragma("journal_mode = DELETE");
  } finally {
    db.close();
  }
  return path;
}

describe("migrate up --dry-run whose changed pages outgrow the page cache writes nothing", () => {
  test("a WAL file with commits in its -wal: the file, the -wal (bytes, mtime) and the folder are as they were; the report sees the -wal's peer", async () => {
    const path = fixtureWithCommitsInWal(1, tempDir());
    const peers = inspectPeers(path);
    const before = look(path);
    expect(before.files).toContain("state.sqlite-wal");
    const result = await migrateState({ path, direction: "up", dryRun: true, catalog });
    expect(result).toMatchObject({ dryRun: true, before: { level: 1 }, after: { level: 3 } });
    expect(look(path)).toEqual(before);
    expect(inspectPeers(path)).toBe(peers);
    expect(inspectState(path, catalog).level).toBe(1);
  });

  test("a rollback-journal file: its bytes and mtime are as they were, no -journal left, still in rollback-journal mode", async () => {
    const path = rollbackJournalFile();
    const before = look(path);
    const result = await migrateState({ path, direction: "up", dryRun: true, catalog });
    expect(result).toMatchObject({ dryRun: true, before: { level: 1 }, after: { level: 3 } });
    expect(look(path)).toEqual(before);
    expect(existsSync(`${path}-journal`)).toBe(false);
    const db = new Database(path, { readonly: true });
    try {
      expect(String(db.pragma("journal_mode", { simple: true }))).toBe("delete");
    } finally {
      db.close();
    }
  });

  test("the real run of the same catalog still commits the heavy migration (the dry run's plan is the real one)", async () => {
    const path = rollbackJournalFile();
    const result = await migrateState({ path, direction: "up", catalog });
    expect(result.after.level).toBe(3);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM ballast").get()).toEqual({ n: 6000 });
    } finally {
      db.close();
    }
  });
});

function inspectPeers(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM peers").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
