/**
 * Child process for the step-by-step crash test: runs `migrateState` on a file and stops for
 * good just before its Nth `exec` or `close` on a connection to that file (BEGIN, each migration
 * statement, COMMIT, the closes), after printing `paused N <statement>`, so the parent can
 * SIGKILL it exactly there. Prints `done` when the run ends before the Nth step.
 * argv: <path> <up|down> <to|-> <N>
 */
import { writeSync } from "node:fs";
import Database from "better-sqlite3";
import { migrateState } from "../../../src/state/index.js";

const [path, direction, to, nth] = process.argv.slice(2);
if (path === undefined || (direction !== "up" && direction !== "down") || to === undefined || nth === undefined) {
  process.stderr.write("usage: pause-child <path> <up|down> <to|-> <N>\n");
  process.exit(2);
}
const pauseAt = Number(nth);
let steps = 0;

function step(db: Database.Database, what: string): void {
  if (db.name !== path) return;
  steps++;
  if (steps !== pauseAt) return;
  // Synchronous: the parent must see the line before this thread blocks.
  writeSync(1, `paused ${steps} ${what.trim().split(/\s+/).slice(0, 4).join(" ")}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const proto = Database.prototype as unknown as { exec(sql: string): unknown; close(): unknown };
const exec = proto.exec;
const close = proto.close;
proto.exec = function (this: Database.Database, sql: string) {
  step(this, sql);
  return exec.call(this, sql);
};
proto.close = function (this: Database.Database) {
  if (this.open) step(this, "close");
  return close.call(this);
};

await migrateState({
  path,
  direction,
  ...(to === "-" ? {} : { to: to === "0" ? 0 : to }),
  discardUnfinishedJobs: true,
  discardData: true,
  lockTimeoutMs: 5_000,
});
writeSync(1, "done\n");
