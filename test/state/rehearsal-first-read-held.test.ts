/**
 * The upgrade rehearsal opens the original waiting for another process's lock by polling, then
 * started its read snapshot of it on the connection's busy timeout: a process that took a
 * rollback-journal file between the open and that first read froze the rehearsal (5 s, timers and
 * the signal unheard, whatever lockTimeoutMs said), which then refused E_STATE_LOCKED. Caught at
 * that step with real processes and a real barrier (support/gap-run.ts).
 */
import { expect, test } from "vitest";
import { runThroughGap } from "./support/gap-run.js";
import { rollbackJournalFixture } from "./support/held-file.js";

test("a process that takes the original between the rehearsal's open and its first read: the read waits by polling, and the rehearsal answers once it is let go", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture(2);
  const { outcome, ticks } = await runThroughGap(path, { options: { rehearse: { from: "0.2.0", to: "0.3.0" } }, stopAt: "^SELECT count\\(\\*\\) FROM main\\.sqlite_schema$" });
  expect(outcome).toEqual({ verdict: "ok", level: 2 });
  expect(ticks).toBeGreaterThanOrEqual(3);
});
