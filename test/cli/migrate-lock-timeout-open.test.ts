/**
 * `migrate up/down --lock-timeout MS` bounded the wait for the migration lock and the write lock,
 * but not the first read of FILE: on a rollback-journal file another process held exclusively (a
 * tool in a large write), the command waited SQLite's busy timeout of the connection, 5 s whatever
 * was asked, with the event loop held (Ctrl-C unheard), then refused "locked … while trying to
 * open": `--lock-timeout 60000` gave up after 5 s on a lock let go 2 s later, and `--lock-timeout 0`
 * still waited 5 s. migrateState now opens the file polling up to lockTimeoutMs, as it waits for
 * the migration and write locks (src/state/open-waiting.ts).
 */
import { spawn } from "node:child_process";
import Database from "better-sqlite3";
import { expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT, runCli } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "../state/support/files.js";

function holdExclusive(path: string): { held: Promise<void>; release: () => void } {
  const child = spawn(process.execPath, [...nodeArgs("test/state/support/hold-write-transaction.ts"), path, "exclusive"], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  const held = new Promise<void>((resolve) => child.stdout?.on("data", (b: Buffer) => b.toString("utf8").includes("held") && resolve()));
  return { held, release: () => child.stdin?.write("release\n") };
}

test("--lock-timeout 60000 waits past the connection's 5 s busy timeout for a file another process holds exclusively, then migrates", { timeout: 60_000 }, async () => {
  const path = copyFixture(2, tempDir());
  const db = new Database(path);
  db.pragma("journal_mode = DELETE");
  db.close();
  const holder = holdExclusive(path);
  await holder.held;
  // Let go after 7 s: past the 5 s SQLite waited on its own, well within the 60 s asked for.
  const letGo = setTimeout(holder.release, 7_000);
  onTestFinished(() => clearTimeout(letGo));
  const r = await runCli(["migrate", "up", "--db", path, "--lock-timeout", "60000", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ after: { level: 3 } });
});
