/**
 * Child process that holds a write transaction on the SQLite database <path>, as a sqlite3 shell
 * left inside `BEGIN IMMEDIATE` does: takes it, writes a row it never commits, prints `held`, and on
 * the line `release` on stdin rolls back and prints `released`; then waits to be killed.
 * `<path> exclusive`: `BEGIN EXCLUSIVE` instead, which on a rollback-journal file keeps readers
 * from even opening it, as a tool in a large write does. `<path> locking-mode-exclusive`:
 * `PRAGMA locking_mode = EXCLUSIVE` first, as a process that keeps the file to itself does: its
 * first write keeps the file locked against every other connection, WAL mode or not, until the
 * process ends (`release` rolls the row back but keeps the lock). `<path> read`: a read transaction
 * (`BEGIN` and a `SELECT`), as an app reading the file does: on a rollback-journal file its shared
 * lock lets others read but keeps anyone from committing or switching the file to WAL.
 */
import Database from "better-sqlite3";
import { createInterface } from "node:readline";

const path = process.argv[2];
if (path === undefined) process.exit(2);
const db = new Database(path);
if (process.argv[3] === "locking-mode-exclusive") db.pragma("locking_mode = EXCLUSIVE");
const mode = process.argv[3];
db.exec(mode === "exclusive" ? "BEGIN EXCLUSIVE" : mode === "read" ? "BEGIN" : "BEGIN IMMEDIATE");
if (mode === "read") db.prepare("SELECT count(*) FROM settings").get();
else db.prepare("INSERT INTO settings (key, value) VALUES ('held-by-another-process', 'x')").run();
process.stdout.write("held\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line !== "release") return;
  db.exec("ROLLBACK");
  process.stdout.write("released\n");
});
setInterval(() => db, 60_000);
