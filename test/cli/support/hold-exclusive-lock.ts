/**
 * Child process that holds an exclusive lock on the rollback-journal SQLite database <path>, as a
 * tool in the middle of a large write does (readers cannot even open it): `BEGIN EXCLUSIVE`, a row
 * it never commits, prints `held`; on the line `release` on stdin rolls back and prints `released`.
 */
import Database from "better-sqlite3";
import { createInterface } from "node:readline";

const path = process.argv[2];
if (path === undefined) process.exit(2);
const db = new Database(path);
db.exec("BEGIN EXCLUSIVE");
db.prepare("INSERT INTO settings (key, value) VALUES ('held-by-another-process', 'x')").run();
process.stdout.write("held\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line !== "release") return;
  db.exec("ROLLBACK");
  process.stdout.write("released\n");
});
setInterval(() => db, 60_000);
