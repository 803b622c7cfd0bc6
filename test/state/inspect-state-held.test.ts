/**
 * The synchronous inspectState never waits for a file another process holds: a sync call that
 * waits freezes the calling thread (an app calling it on its main thread froze its UI for up to
 * 2 s, SQLite's busy timeout, before E_STATE_LOCKED). It answers from what it can read at once; a
 * file nobody can read now (a rollback-journal file under BEGIN EXCLUSIVE, a process in
 * locking_mode EXCLUSIVE) is E_STATE_LOCKED at once, naming inspectStateWaiting, the call that
 * waits. The holders hold throughout each call and let go only when the test says so.
 */
import { expect, test } from "vitest";
import { inspectState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { fixtureWithCommitsInWal } from "./support/files.js";
import { holder, rollbackJournalFixture } from "./support/held-file.js";
import { thrown } from "../support/thrown.js";

test.each([
  { what: "a rollback-journal file under another process's BEGIN EXCLUSIVE", file: () => rollbackJournalFixture(), mode: "exclusive" },
  { what: "a WAL file held by a process in locking_mode EXCLUSIVE", file: () => fixtureWithCommitsInWal(3, tempDir()), mode: "locking-mode-exclusive" },
] as const)("$what: E_STATE_LOCKED naming inspectStateWaiting; read once the holder lets go", { timeout: 60_000 }, async ({ file, mode }) => {
  const path = file();
  const held = await holder(path, mode);
  const error = thrown(() => inspectState(path));
  expect(error).toBeInstanceOf(StateError);
  expect((error as StateError).code).toBe("E_STATE_LOCKED");
  expect((error as StateError).message).toMatch(/inspectStateWaiting/);
  expect((error as StateError).details).toMatchObject({ path, waiting: "inspectStateWaiting" });
  expect(held.lines).toEqual(["held"]);
  if (mode === "locking-mode-exclusive") {
    // That holder keeps the file until it dies.
    held.kill();
    await held.exited;
  } else {
    held.release();
    await held.released;
  }
  expect(inspectState(path)).toMatchObject({ exists: true, level: 3, problem: undefined });
});

test("a rollback-journal file another process writes inside BEGIN IMMEDIATE: answered at once from its committed state", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "immediate");
  expect(inspectState(path)).toMatchObject({ exists: true, level: 3, problem: undefined });
  expect(held.lines).toEqual(["held"]);
});
