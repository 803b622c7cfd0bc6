/**
 * The record of what an upload sealed must be on the disk before the piece is put (docs/storage.md
 * Resume). WalDurability commits it and syncs the state's `-wal` off the event loop, or, without a
 * `-wal` to sync, commits it with synchronous = FULL; either way the connection, which may be the
 * application's own handle, keeps its settings.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { WalDurability } from "../../src/storage/journal/wal-durability.js";
import { tempDir } from "../support/temp-dir.js";

function openDb(path: string, journalMode: string, synchronous: string): Database.Database {
  const db = new Database(path);
  db.pragma(`journal_mode = ${journalMode}`);
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY)`);
  return db;
}

test("commits made at once on a WAL connection are synced off the event loop (committed at NORMAL), each resolves, all are visible, and the setting is unchanged", async () => {
  const path = join(tempDir("scc-wal-durable-"), "s.sqlite");
  const db = openDb(path, "WAL", "NORMAL");
  try {
    const durable = new WalDurability(db);
    const insert = db.prepare(`INSERT INTO t (k) VALUES (?)`);
    const seen = new Set<unknown>();
    await Promise.all(
      [...Array(20).keys()].map((k) =>
        durable.commitDurably(() => {
          insert.run(k);
          seen.add(db.pragma("synchronous", { simple: true }));
        }),
      ),
    );
    // Committed at NORMAL: the sync is the -wal's, off the event loop, not a FULL commit's.
    expect([...seen]).toEqual([1]);
    // Another connection (what a restart opens) sees every commit.
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare(`SELECT count(*) FROM t`).pluck().get()).toBe(20);
    } finally {
      other.close();
    }
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
  } finally {
    db.close();
  }
});

for (const [setting, value] of [
  ["OFF", 0],
  ["NORMAL", 1],
  ["EXTRA", 3],
] as const) {
  test(`a connection without a -wal (rollback journal) commits durably and keeps synchronous = ${setting}`, async () => {
    const path = join(tempDir("scc-wal-durable-"), "s.sqlite");
    const db = openDb(path, "DELETE", setting);
    try {
      const durable = new WalDurability(db);
      let seen: unknown;
      await durable.commitDurably(() => {
        db.prepare(`INSERT INTO t (k) VALUES (1)`).run();
        // The commit runs at FULL at least (EXTRA stays EXTRA).
        seen = db.pragma("synchronous", { simple: true });
      });
      expect(seen).toBe(Math.max(2, value));
      expect(db.pragma("synchronous", { simple: true })).toBe(value);
      expect(db.prepare(`SELECT count(*) FROM t`).pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });
}

test("a state opened by a relative name is synced through its own -wal after the working folder changed (not taken for one without a -wal)", async () => {
  const dir = tempDir("scc-wal-durable-");
  const elsewhere = tempDir("scc-wal-durable-cwd-");
  const cwd = process.cwd();
  process.chdir(dir);
  let db: Database.Database | undefined;
  try {
    db = openDb("s.sqlite", "WAL", "NORMAL");
    const durable = new WalDurability(db);
    // The application changes its working folder after opening the state.
    process.chdir(elsewhere);
    let seen: unknown;
    await durable.commitDurably(() => {
      db?.prepare(`INSERT INTO t (k) VALUES (1)`).run();
      seen = db?.pragma("synchronous", { simple: true });
    });
    // Committed at NORMAL, synced through the -wal in `dir`.
    expect(seen).toBe(1);
  } finally {
    process.chdir(cwd);
    db?.close();
  }
});
