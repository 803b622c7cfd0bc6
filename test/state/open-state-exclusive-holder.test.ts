/**
 * openState on a file another process holds exclusively (a rollback-journal file under BEGIN
 * EXCLUSIVE, a tool in a large write; a process with locking_mode = EXCLUSIVE) waited inside
 * SQLite's open for the connection's busy timeout (5 s), the event loop held: timers did not run,
 * its signal went unheard, and then it refused E_STATE_LOCKED whatever lockTimeoutMs said. It now
 * waits for the file as migrateState does (polling up to lockTimeoutMs, the signal heard). Nothing
 * here is timed: the holder lets go, or the signal fires, only from a timer of this process, which
 * runs only while openState leaves the event loop free.
 */
import Database from "better-sqlite3";
import { expect, onTestFinished, test } from "vitest";
import { inspectStateWaiting, migrateState, openState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { fixtureWithCommitsInWal, sha256File } from "./support/files.js";
import { holder, rollbackJournalFixture, ticking } from "./support/held-file.js";

test("a rollback-journal file under another process's BEGIN EXCLUSIVE: timers run while openState waits, and it opens once the holder lets go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "exclusive");
  // Let go only from a timer: before, openState held the event loop for its 5 s busy timeout, and refused.
  const ticks = ticking((n) => n === 3 && held.release());
  const state = await openState({ path, lockTimeoutMs: 60_000 });
  onTestFinished(() => state.close());
  expect(ticks()).toBeGreaterThanOrEqual(3);
  expect(state.level).toBe(3);
  expect(state.db.prepare("SELECT count(*) AS n FROM settings WHERE key = 'held-by-another-process'").get()).toEqual({ n: 0 });
});

test("a WAL file with commits in its -wal, held by a process in locking_mode EXCLUSIVE: an abort ends the wait with E_STATE_ABORTED while the lock is still held", { timeout: 60_000 }, async () => {
  const path = fixtureWithCommitsInWal(3, tempDir());
  const held = await holder(path, "locking-mode-exclusive");
  const stop = new AbortController();
  const ticks = ticking((n) => n === 3 && stop.abort());
  const outcome = await openState({ path, lockTimeoutMs: 60_000, signal: stop.signal }).catch((e: unknown) => e);
  expect(outcome).toBeInstanceOf(StateError);
  expect((outcome as StateError).code).toBe("E_STATE_ABORTED");
  expect(ticks()).toBeGreaterThanOrEqual(3);
  // The holder never let go: only the abort ended the wait.
  expect(held.lines).toEqual(["held"]);
});

// Opening is not the only read: openState then reads the file's state and switches it to WAL. A
// rollback-journal file that another process reads (an app's read transaction) or writes (a tool
// inside BEGIN IMMEDIATE) opens and reads at once, but the switch needs the file to itself: it
// waited the connection's busy timeout (5 s) there, the event loop held, then refused
// E_STATE_LOCKED whatever lockTimeoutMs said.
test.each([
  { mode: "read", what: "a read transaction (an app reading it)" },
  { mode: "immediate", what: "a write transaction (BEGIN IMMEDIATE)" },
] as const)(
  "a rollback-journal file another process holds in $what: timers run while openState waits to switch it to WAL, and it opens in WAL once the holder lets go",
  { timeout: 60_000 },
  async ({ mode }) => {
    const path = rollbackJournalFixture();
    const held = await holder(path, mode);
    const ticks = ticking((n) => n === 3 && held.release());
    const state = await openState({ path, lockTimeoutMs: 60_000 });
    onTestFinished(() => state.close());
    expect(ticks()).toBeGreaterThanOrEqual(3);
    expect(state.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(state.db.pragma("busy_timeout", { simple: true })).toBe(5_000);
  },
);

test("the same wait ends with E_STATE_ABORTED at the signal, the holder still reading, and the file stays in its journal mode", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "read");
  const stop = new AbortController();
  const ticks = ticking((n) => n === 3 && stop.abort());
  const outcome = await openState({ path, lockTimeoutMs: 60_000, signal: stop.signal }).catch((e: unknown) => e);
  expect((outcome as StateError).code).toBe("E_STATE_ABORTED");
  expect(ticks()).toBeGreaterThanOrEqual(3);
  expect(held.lines).toEqual(["held"]);
  const after = new Database(path, { readonly: true });
  onTestFinished(() => {
    after.close();
  });
  expect(after.pragma("journal_mode", { simple: true })).toBe("delete");
});

// migrateState opens a read-only keeper first on a file whose -wal holds commits, so that a dry run
// or a refusal, closing last, does not checkpoint them into the file. That keeper was opened on the
// busy timeout: under a holder in locking_mode EXCLUSIVE it waited 5 s frozen, failed, and the run
// went on without it once the holder was gone, so the dry run's close moved the app's commits into
// the file and deleted its -wal. The holder goes only when a timer of this process kills it.
test("a dry run of migrateState on a WAL file with commits in its -wal, held by a process in locking_mode EXCLUSIVE until it dies: timers run while it waits, and the file and its -wal are as they were", { timeout: 60_000 }, async () => {
  const path = fixtureWithCommitsInWal(2, tempDir());
  const before = [sha256File(path), sha256File(`${path}-wal`)];
  const held = await holder(path, "locking-mode-exclusive");
  const ticks = ticking((n) => n === 3 && held.kill());
  const result = await migrateState({ path, direction: "up", dryRun: true, lockTimeoutMs: 60_000 });
  expect(ticks()).toBeGreaterThanOrEqual(3);
  expect(result.dryRun).toBe(true);
  expect(result.runs.map((r) => r.name)).toEqual(["0003_level3_codex_first"]);
  expect([sha256File(path), sha256File(`${path}-wal`)]).toEqual(before);
});

// inspectState (migrate status) waited SQLite's busy timeout frozen on such a file; inspectStateWaiting polls.
test("inspectStateWaiting on a rollback-journal file under another process's BEGIN EXCLUSIVE: timers run while it waits, an abort ends the wait with E_STATE_ABORTED, and it reads the file once the holder lets go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "exclusive");
  const stop = new AbortController();
  const aborting = ticking((n) => n === 3 && stop.abort());
  const outcome = await inspectStateWaiting(path, undefined, { lockTimeoutMs: 60_000, signal: stop.signal }).catch((e: unknown) => e);
  expect((outcome as StateError).code).toBe("E_STATE_ABORTED");
  expect(aborting()).toBeGreaterThanOrEqual(3);
  expect(held.lines).toEqual(["held"]);
  const releasing = ticking((n) => n === 3 && held.release());
  const inspection = await inspectStateWaiting(path, undefined, { lockTimeoutMs: 60_000 });
  expect(releasing()).toBeGreaterThanOrEqual(3);
  expect(inspection).toMatchObject({ exists: true, level: 3, problem: undefined });
});
