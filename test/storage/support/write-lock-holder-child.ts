/**
 * Another process on a storage client's state database: opens <state.sqlite>, and on "lock" (a line
 * on stdin) takes its write lock (BEGIN IMMEDIATE) and says "locked". It lets go on "release"
 * ("released: told") or, when no release came, after <holdMs> ("released: on its own"), says which,
 * and exits. What a release script or a second app on the same file does for a while; a client
 * process whose main thread waited out its busy timeout could not have told it to let go.
 * Usage: write-lock-holder-child.ts <state.sqlite> <holdMs>
 */
import { createInterface } from "node:readline";
import Database from "better-sqlite3";

const [path, holdMs] = process.argv.slice(2) as [string, string];
const db = new Database(path, { fileMustExist: true, timeout: 0 });
let timer: NodeJS.Timeout | undefined;

function release(how: string): void {
  if (timer === undefined) return;
  clearTimeout(timer);
  timer = undefined;
  db.exec("ROLLBACK");
  db.close();
  process.stdout.write(`released: ${how}\n`, () => process.exit(0));
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "lock") {
    db.exec("BEGIN IMMEDIATE");
    timer = setTimeout(() => release("on its own"), Number(holdMs));
    process.stdout.write("locked\n");
  } else if (line === "release") {
    release("told");
  }
});
process.stdout.write("ready\n");
