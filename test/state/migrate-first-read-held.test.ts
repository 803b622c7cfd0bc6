/**
 * migrateState opens the file waiting for another process's lock by polling (up to lockTimeoutMs,
 * the event loop free), then read the file's state with the connection's busy timeout: a process
 * that took the file between the open and that first read (a tool's BEGIN EXCLUSIVE on a
 * rollback-journal file) made the read wait SQLite's busy timeout (5 s) with the event loop frozen,
 * whatever lockTimeoutMs said, and then refuse E_STATE_LOCKED. The first read now waits as the open
 * does. Real processes, a real barrier: the child stops right after its open until the holder here
 * holds the file; the holder lets go only once the child's timer has ticked three times after that,
 * which it can only while its run leaves the event loop free.
 */
import { expect, test } from "vitest";
import { runThroughGap } from "./support/gap-run.js";
import { rollbackJournalFixture } from "./support/held-file.js";

test("a process that takes a rollback-journal file between migrateState's open and its first read: the read waits by polling, and the run migrates once it lets go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture(2);
  const { outcome, ticks } = await runThroughGap(path);
  expect(outcome).toEqual({ level: 3, runs: ["0003_level3_codex_first"] });
  expect(ticks).toBeGreaterThanOrEqual(3);
});
