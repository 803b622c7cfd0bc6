/**
 * beginImmediate waits for the write lock in tries between which the event loop runs, each try with
 * a busy timeout of 0 (SQLite's own wait would hold the event loop). It set the connection's busy
 * timeout to 0 for the whole wait, across its sleeps: anything else run on that connection meanwhile
 * (its onWait, the event loop's other work) met a lock without waiting. Now the timeout is 0 only
 * inside each try (withoutBusyWait, as truncateWal's checkpoint), the caller's between them.
 */
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { beginImmediate } from "../../src/state/write-transaction.js";
import { failure } from "../support/thrown.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

test("while beginImmediate waits for another connection's write lock, its connection keeps its own busy timeout; after the wait too", async () => {
  const path = copyFixture(2, tempDir());
  const holder = new Database(path);
  const db = new Database(path);
  try {
    // Held for the whole test: the wait can only end at its timeout, however the tries are scheduled.
    holder.exec("BEGIN IMMEDIATE");
    db.pragma("busy_timeout = 4321");
    const seen: unknown[] = [];
    const error = await failure(() => beginImmediate(db, path, { timeoutMs: 30, onWait: () => seen.push(db.pragma("busy_timeout", { simple: true })) }));
    expect(error).toMatchObject({ code: "E_STATE_LOCKED" });
    expect(seen).toEqual([4321]);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(4321);
    expect(db.inTransaction).toBe(false);
  } finally {
    holder.close();
    db.close();
  }
});
