/**
 * `migrate up --dry-run` runs the migrations on the real file inside a transaction it rolls back.
 * A run whose changed pages outgrow the page cache (16,000 KiB as better-sqlite3 builds SQLite: a large user's
 * upgrade) had them spilled before the rollback: into the -wal of a WAL file (a -wal with the
 * app's last commits grew by every page the run rewrote), into the file itself for a
 * rollback-journal file (its pages overwritten, then put back from a -journal: a kill in between
 * left a hot journal and a rewritten file). dry-run-wal.test.ts's small fixture never spills.
 */
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrations } from "../../migrations/index.js";
import { inspectState, MigrationCatalog, migrateState, type MigrationDefinition } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "./support/files.js";

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

/** A level-1 file in WAL mode with one more peer committed only in its -wal (what a killed app leaves). */
function withCommitsInWal(): string {
  const live = copyFixture(1, tempDir());
  const path = join(tempDir(), "state.sqlite");
  // A reader keeps the WAL from being checkpointed while the writer closes.
  const reader = new Database(live, { readonly: true });
  try {
    reader.prepare("SELECT count(*) FROM peers").get();
    const writer = new Database(live);
    writer.pragma("journal_mode = WAL");
    writer.prepare("INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES ('0x04' || hex(randomblob(64)), 1, 1, 1)").run();
    writer.close();
    // The main file and its -wal as the killed app left them.
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
  } finally {
    reader.close();
  }
  return path;
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
    const path = withCommitsInWal();
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
