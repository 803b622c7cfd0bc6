/**
 * Child process for the test of migrateState's first read after its open: runs migrateState (up,
 * lockTimeoutMs 60 s) on <path> and stops right after the open, when the connection to <path> gets
 * its busy timeout (the last step of the open, before the first read), printing `opened` and
 * blocking this thread until a line `go` comes on stdin: the parent makes another process take the
 * file meanwhile. From then on a timer prints `tick` every 10 ms (which runs only while the run
 * leaves the event loop free); the result is one JSON line.
 * argv: <path> [options] [stopAt]: options, JSON, are merged into migrateState's (a down, a dry
 * run), or, with `rehearse: { from, to }`, make the run rehearseUpgrade's dry run instead; stopAt, a regular expression, moves the stop to just before the first statement on <path>
 * whose SQL it matches (a step after the first read: the count of a down, the preflight, the switch to WAL).
 */
import { readSync, writeSync } from "node:fs";
import Database from "better-sqlite3";
import { migrateState, rehearseUpgrade, StateError } from "../../../src/state/index.js";

const path = process.argv[2];
if (path === undefined) process.exit(2);
const extra = JSON.parse(process.argv[3] ?? "{}") as Record<string, unknown>;
const stopAt = process.argv[4] === undefined ? undefined : new RegExp(process.argv[4]);

/** Blocks the thread until the parent writes `go` on stdin (a pipe, read without the event loop). */
function waitForGo(): void {
  const buf = Buffer.alloc(64);
  let got = "";
  while (!got.includes("go\n")) {
    try {
      const n = readSync(0, buf, 0, buf.length, null);
      if (n === 0) process.exit(3);
      got += buf.toString("utf8", 0, n);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

let stopped = false;
function stop(): void {
  stopped = true;
  // Synchronous: the parent must see the line before this thread blocks.
  writeSync(1, "opened\n");
  waitForGo();
  setInterval(() => writeSync(1, "tick\n"), 10);
}

const proto = Database.prototype as unknown as { pragma(source: string, options?: unknown): unknown; prepare(source: string): unknown };
const pragma = proto.pragma;
const prepare = proto.prepare;
proto.pragma = function (this: Database.Database, source: string, options?: unknown): unknown {
  // better-sqlite3 prepares a pragma without going through prepare().
  if (!stopped && stopAt?.test(`PRAGMA ${source}`) === true && this.name === path) stop();
  const result = pragma.call(this, source, options);
  if (!stopped && stopAt === undefined && this.name === path && /^busy_timeout = [1-9]/.test(source)) stop();
  return result;
};
proto.prepare = function (this: Database.Database, source: string): unknown {
  if (!stopped && stopAt?.test(source) === true && this.name === path) stop();
  return prepare.call(this, source);
};

const { rehearse, ...options } = extra as { rehearse?: { from: string; to: string } };
try {
  if (rehearse !== undefined) {
    const report = await rehearseUpgrade({ path, ...rehearse, dryRun: true, lockTimeoutMs: 60_000 });
    writeSync(1, JSON.stringify({ verdict: report.verdict, level: report.source.level }) + "\n");
  } else {
    const result = await migrateState({ path, direction: "up", lockTimeoutMs: 60_000, ...options });
    writeSync(1, JSON.stringify({ level: result.after.level, runs: result.runs.map((r) => r.name) }) + "\n");
  }
} catch (error) {
  if (!(error instanceof StateError)) throw error;
  writeSync(1, JSON.stringify({ error: error.code, message: error.message }) + "\n");
}
process.exit(0);
