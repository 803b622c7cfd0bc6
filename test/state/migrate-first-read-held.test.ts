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
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";
import { holder } from "./support/held-file.js";

test("a process that takes a rollback-journal file between migrateState's open and its first read: the read waits by polling, and the run migrates once it lets go", { timeout: 60_000 }, async () => {
  const path = copyFixture(2, tempDir());
  const db = new Database(path);
  db.pragma("journal_mode = DELETE");
  db.close();
  const child = spawn(process.execPath, [...nodeArgs("test/state/support/open-gap-child.ts"), path], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  let out = "";
  let ticks = 0;
  let onOpened = (): void => undefined;
  const opened = new Promise<void>((resolve) => (onOpened = resolve));
  let release: (() => void) | undefined;
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      const lines = out.split("\n");
      out = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "opened") onOpened();
        else if (line === "tick") {
          ticks++;
          if (ticks === 3) release?.();
        } else resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.on("exit", (code) => reject(new Error(`child exited ${code} without a result`)));
  });
  await opened;
  const held = await holder(path, "exclusive");
  release = held.release;
  child.stdin.write("go\n");
  const outcome = await result;
  expect(outcome).toEqual({ level: 3, runs: ["0003_level3_codex_first"] });
  expect(ticks).toBeGreaterThanOrEqual(3);
  // The holder let go (the run could not have read the file otherwise).
  await held.released;
});
