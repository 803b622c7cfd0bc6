/**
 * `migrate status` (inspectState, synchronous) on a file another process held exclusively (a
 * rollback-journal file under BEGIN EXCLUSIVE, a tool in a large write) waited SQLite's busy
 * timeout with the event loop frozen (timers and Ctrl-C unheard), then refused E_STATE_LOCKED, and
 * `--lock-timeout` was a usage error. It now waits for the file as `migrate up` does: polling up to
 * --lock-timeout (default 15 s), the loop free. Nothing here is timed: the holder lets go only from a
 * timer of this process, which runs only while the command leaves the event loop free.
 */
import { expect, test } from "vitest";
import { runCliInProcess, startCli } from "../support/cli.js";
import { holder, rollbackJournalFixture, ticking } from "../state/support/held-file.js";

test.each([
  { flags: ["--lock-timeout", "60000"], what: "--lock-timeout 60000" },
  { flags: [], what: "the default wait" },
])("a rollback-journal file under another process's BEGIN EXCLUSIVE, $what: timers run while migrate status waits, and it reads the file once the holder lets go", { timeout: 60_000 }, async ({ flags }) => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "exclusive");
  const ticks = ticking((n) => n === 3 && held.release());
  const r = await runCliInProcess(["migrate", "status", "--db", path, "--json", ...flags]);
  expect(r.code, r.stderr).toBe(0);
  expect(ticks()).toBeGreaterThanOrEqual(3);
  expect(JSON.parse(r.stdout)).toMatchObject({ exists: true, level: 3, problem: null });
});

test("--lock-timeout 0 on a file still held: one try, E_STATE_LOCKED (exit 4) while the holder keeps it", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "exclusive");
  const r = await runCliInProcess(["migrate", "status", "--db", path, "--lock-timeout", "0"]);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain("error[E_STATE_LOCKED]");
  expect(held.lines).toEqual(["held"]);
});

test("--lock-timeout is still checked before the file is read: a value out of range is a usage error", async () => {
  const r = await runCliInProcess(["migrate", "status", "--db", "x.sqlite", "--lock-timeout", "1e3"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--lock-timeout must be a whole number of milliseconds");
});

test("Ctrl-C while migrate status waits for a held file: it says it waits, then one line saying it was interrupted, and the process ends by SIGINT", { timeout: 60_000 }, async () => {
  const path = rollbackJournalFixture();
  const held = await holder(path, "exclusive");
  const cli = startCli(["migrate", "status", "--db", path, "--lock-timeout", "60000"]);
  await cli.stderrHas("is held by another process; waiting");
  cli.child.kill("SIGINT");
  const ended = await cli.closed;
  expect(ended, cli.output.stderr).toEqual({ code: null, signal: "SIGINT" });
  expect(cli.output.stdout).toBe("");
  expect(cli.output.stderr.trimEnd().split("\n").at(-1)).toBe("status-compat migrate: interrupted (SIGINT); nothing was left behind");
  // The holder never let go: only Ctrl-C ended the wait.
  expect(held.lines).toEqual(["held"]);
});
