/**
 * After migrateState's first read (which waits by polling, migrate-first-read-held.test.ts), its
 * later steps on the file ran on SQLite's busy timeout: a process that took a rollback-journal file
 * just before one of them froze the run (5 s, timers unheard, lockTimeoutMs and the signal too),
 * which then refused E_STATE_LOCKED. Each is caught here at its own step (gap-run.ts): the run
 * must tick while the file is held and finish once it is let go.
 */
import { expect, test } from "vitest";
import { runThroughGap } from "./support/gap-run.js";
import { rollbackJournalFixture } from "./support/held-file.js";

const CONSENT = { discardData: true, discardUnfinishedJobs: true };

test("a down whose count of what it would drop meets the file held: the count waits by polling, and the down runs once it is let go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture(3);
  // rollback-loss.ts's first statement: the count starts there.
  const { outcome, ticks } = await runThroughGap(path, { options: { direction: "down", ...CONSENT }, stopAt: "^SELECT name FROM sqlite_schema WHERE type = 'table'$" });
  expect(outcome).toEqual({ level: 2, runs: ["0003_level3_codex_first"] });
  expect(ticks).toBeGreaterThanOrEqual(3);
});

test("a dry run whose preflight meets the file held (a rollback-journal file is checked on this thread): the check waits by polling, and the dry run answers once it is let go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture(2);
  const { outcome, ticks } = await runThroughGap(path, { options: { dryRun: true }, stopAt: "^PRAGMA quick_check$" });
  expect(outcome).toEqual({ level: 3, runs: ["0003_level3_codex_first"] });
  expect(ticks).toBeGreaterThanOrEqual(3);
});

for (const hold of ["exclusive", "read"] as const) {
  test(`an up whose switch to WAL meets the file held (${hold === "exclusive" ? "BEGIN EXCLUSIVE" : "an app's read transaction"}): the switch waits by polling, and the run migrates once it is let go`, { timeout: 60_000 }, async () => {
    const path = rollbackJournalFixture(2);
    const { outcome, ticks } = await runThroughGap(path, { options: {}, stopAt: "^PRAGMA journal_mode = WAL$", hold });
    expect(outcome).toEqual({ level: 3, runs: ["0003_level3_codex_first"] });
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
}
