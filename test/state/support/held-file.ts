/**
 * A state file another process holds (hold-write-transaction.ts), and a ticking timer of this
 * process: what the tests of a wait for a held file use to let go of it, or abort, only from a
 * timer, which runs only while the code under test leaves the event loop free. Nothing is timed.
 */
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { onTestFinished } from "vitest";
import { PROJECT_ROOT } from "../../support/cli.js";
import { nodeArgs } from "../../support/node-args.js";
import { tempDir } from "../../support/temp-dir.js";
import { copyFixture } from "./files.js";

/** A second process holding `path` (hold-write-transaction.ts in `mode`); resolves once it holds it. */
export async function holder(
  path: string,
  mode: "exclusive" | "locking-mode-exclusive" | "read" | "immediate",
): Promise<{ release: () => void; kill: () => void; lines: string[]; released: Promise<void>; exited: Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs("test/state/support/hold-write-transaction.ts"), path, mode], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // Resolves once the holder has rolled back (its "released" line).
  let onReleased = (): void => undefined;
  const released = new Promise<void>((resolve) => (onReleased = resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (b: Buffer) => {
      lines.push(...b.toString("utf8").split("\n").filter((l) => l !== ""));
      if (lines.includes("held")) resolve();
      if (lines.includes("released")) onReleased();
    });
    child.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
  });
  return { release: () => child.stdin?.write("release\n"), kill: () => void child.kill("SIGKILL"), lines, released, exited };
}

/** The level-3 fixture (or `level`'s) switched to a rollback journal (as a file an older tool or a copy leaves). */
export function rollbackJournalFixture(level = 3): string {
  const path = copyFixture(level, tempDir());
  const db = new Database(path);
  db.pragma("journal_mode = DELETE");
  db.close();
  return path;
}

/** Calls `onTick(n)` every 10 ms until the test ends; returns the tick count so far. */
export function ticking(onTick: (n: number) => void): () => number {
  let n = 0;
  const timer = setInterval(() => onTick(++n), 10);
  onTestFinished(() => clearInterval(timer));
  return () => n;
}
