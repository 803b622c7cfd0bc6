/**
 * The real CLI (src/cli/run.ts, its argv after this script's name), with one SQL statement held:
 * before the first `exec` whose text matches $PAUSE_SQL it writes `paused` to stderr and blocks
 * until the file $PAUSE_GO exists, so the parent can send a signal at exactly that step. The
 * signal reaches the process while it is held and is handled at the run's next stop point.
 */
import { existsSync, writeSync } from "node:fs";
import Database from "better-sqlite3";

const pattern = new RegExp(process.env["PAUSE_SQL"] ?? "(?!)");
const go = process.env["PAUSE_GO"] ?? "";
let held = false;
const proto = Database.prototype as unknown as { exec(sql: string): unknown };
const exec = proto.exec;
proto.exec = function (this: Database.Database, sql: string) {
  if (!held && pattern.test(sql)) {
    held = true;
    writeSync(2, "paused\n");
    const cell = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(go)) Atomics.wait(cell, 0, 0, 20);
  }
  return exec.call(this, sql);
};

await import("../../../src/cli/run.js");
