/**
 * A dry run said "safe to run" while another process held a write transaction on the database (a
 * sqlite3 shell left inside BEGIN, a tool); the real upgrade then waited its lock timeout for the
 * write lock and failed with E_STATE_LOCKED. The dry run now waits for that transaction as long as
 * the real run would and, if it outlasts the wait, fails its apply line with the same code, writing
 * nothing to the original.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import Database from "better-sqlite3";
import pino from "pino";
import { describe, expect, onTestFinished, test } from "vitest";
import { rehearseUpgrade, type UpgradeReport } from "../../src/state/index.js";
import { PROJECT_ROOT, runCli } from "../support/cli.js";
import { LogCapture } from "../support/log-capture.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, fixtureWithCommitsInWal, sha256File } from "./support/files.js";

/** The database and its -wal, byte for byte (the -shm is SQLite's shared index, which any reader writes). */
function bytesOf(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of [path, `${path}-wal`]) out[p] = existsSync(p) ? sha256File(p) : "absent";
  return out;
}

/**
 * A second process holding `BEGIN IMMEDIATE` (and an uncommitted row) on `path` until told to let go
 * or the test ends; `exclusive`: `BEGIN EXCLUSIVE`, which on a rollback-journal file keeps readers out too.
 */
async function writerHolding(path: string, mode?: "exclusive"): Promise<{ child: ChildProcess; next: () => Promise<string> }> {
  const child = spawn(process.execPath, [...nodeArgs("test/state/support/hold-write-transaction.ts"), path, ...(mode === undefined ? [] : [mode])], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout?.on("data", (b: Buffer) => {
    buffered += b.toString("utf8");
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter === undefined) lines.push(line);
      else waiter(line);
    }
  });
  child.on("close", (code) => waiters.splice(0).forEach((w) => w(`exited ${code}`)));
  const next = (): Promise<string> => new Promise((resolve) => (lines.length > 0 ? resolve(lines.shift() as string) : waiters.push(resolve)));
  expect(await next()).toBe("held");
  return { child, next };
}

/** Tells the writer to let go once `log` holds `text` (the rehearsal saying it waits); resolves with its next line. */
function releasedOnceLogged(writer: { child: ChildProcess; next: () => Promise<string> }, log: LogCapture, text: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const watch = setInterval(() => {
      if (!log.text.includes(text)) return;
      clearInterval(watch);
      writer.child.stdin?.write("release\n");
      void writer.next().then(resolve);
    }, 5);
    onTestFinished(() => clearInterval(watch));
  });
}

const notOk = (r: UpgradeReport): unknown[] => r.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.status, c.code]);

describe("upgrade dry run while another process holds a write transaction on the database", () => {
  test("the real upgrade waits its lock timeout and fails with E_STATE_LOCKED; the dry run says so on its apply line, every other check passed, and the original is byte-identical", async () => {
    const path = copyFixture(2, tempDir());
    await writerHolding(path);
    const before = bytesOf(path);

    const dry = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir(), lockTimeoutMs: 300 });
    expect(notOk(dry)).toEqual([["apply", "failed", "E_STATE_LOCKED"]]);
    expect(dry.checks.find((c) => c.id === "apply")?.detail).toContain(`another process holds a write transaction on ${path} and kept it for the 300 ms the real upgrade waits`);
    expect(dry.summary).toContain("the real upgrade of this file would be refused (E_STATE_LOCKED: see the apply line)");
    expect(bytesOf(path)).toEqual(before);

    // What the real run does in that case, which the dry run predicts.
    const real = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", dryRun: false, workDir: tempDir(), lockTimeoutMs: 300 });
    expect(notOk(real)).toEqual([["apply", "failed", "E_STATE_LOCKED"]]);
    expect(real.checks.find((c) => c.id === "apply")?.detail).toContain("stayed locked by another connection for more than 300 ms");
    expect(bytesOf(path)).toEqual(before);
  }, 60_000);

  test("a transaction that ends while the dry run waits for it, as the real run would, is no finding", async () => {
    const path = copyFixture(2, tempDir());
    const writer = await writerHolding(path);
    const log = new LogCapture();
    // Told to let go when the rehearsal says it waits: no timing in the test.
    const released = releasedOnceLogged(writer, log, "holds a write transaction");
    const dry = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir(), lockTimeoutMs: 60_000, logger: pino({ level: "warn" }, log) });
    expect(log.text).toContain("waiting for it as long as the real upgrade would");
    expect(await released).toBe("released");
    expect(notOk(dry)).toEqual([]);
    expect(dry.verdict).toBe("ok");
  }, 90_000);

  // The rehearsal's first read of the original waited SQLite's busy timeout (5 s) with the event
  // loop held, then refused E_STATE_LOCKED whatever lockTimeoutMs said: `upgrade --dry-run
  // --lock-timeout 60000` exited 4 after about 5 s. The holder here lets go only once the rehearsal
  // says it waits, so before the fix it never did.
  test("a tool's BEGIN EXCLUSIVE on a rollback-journal file, which keeps even readers out: the dry run waits to read the original as long as the real run would wait, saying so, and rehearses once it ends", async () => {
    const path = copyFixture(2, tempDir());
    const db = new Database(path);
    db.pragma("journal_mode = DELETE");
    db.close();
    const writer = await writerHolding(path, "exclusive");
    const log = new LogCapture();
    const released = releasedOnceLogged(writer, log, "waiting to read it");
    const dry = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir(), lockTimeoutMs: 60_000, logger: pino({ level: "warn" }, log) });
    expect(await released).toBe("released");
    expect(notOk(dry)).toEqual([]);
    expect(dry.verdict).toBe("ok");
  }, 90_000);

  test("a read-only original: the apply line is the real run's E_STATE_READ_ONLY at once, no wait for the writer, nothing written", async () => {
    const path = copyFixture(2, tempDir());
    await writerHolding(path);
    chmodSync(path, 0o444);
    const before = bytesOf(path);
    const log = new LogCapture();
    const dry = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir(), lockTimeoutMs: 60_000, logger: pino({ level: "warn" }, log) });
    expect(notOk(dry)).toEqual([["apply", "failed", "E_STATE_READ_ONLY"]]);
    expect(log.text).not.toContain("holds a write transaction");
    expect(bytesOf(path)).toEqual(before);
  }, 60_000);

  test("no other writer and an app's commits still in the -wal: the look for a writer leaves the file and its -wal as they were", async () => {
    const path = fixtureWithCommitsInWal(2, tempDir());
    const before = bytesOf(path);
    expect(before[`${path}-wal`]).not.toBe("absent");
    const dry = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: tempDir() });
    expect(notOk(dry)).toEqual([]);
    expect(bytesOf(path)).toEqual(before);
  }, 60_000);

  // --lock-timeout 300: the default 15 s wait made this test take 16 s.
  test("status-compat upgrade --dry-run --lock-timeout 300 exits 4 (the real run's status) after that wait, with the apply line and the stderr line saying why", async () => {
    const path = copyFixture(2, tempDir());
    await writerHolding(path);
    const before = bytesOf(path);
    const r = await runCli(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", tempDir(), "--lock-timeout", "300"], { env: { STATUS_COMPAT_LOG_LEVEL: "warn" } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/the real upgrade of .* can run \(write access, no app using it, no other writer, room for its -wal\)\.* FAILED +E_STATE_LOCKED: another process holds a write transaction/);
    expect(r.stdout).toContain("kept it for the 300 ms the real upgrade waits");
    expect(r.stderr).toMatch(/every check passed on the copy; the real upgrade would be refused by the database: E_STATE_LOCKED: another process holds a write transaction/);
    expect(r.stderr).toContain("waiting for it as long as the real upgrade would");
    expect(bytesOf(path)).toEqual(before);
  }, 90_000);

  test("status-compat upgrade --lock-timeout 300 (the real run) waits that long for the write lock, then exits 4 with the file unchanged", async () => {
    const path = copyFixture(2, tempDir());
    await writerHolding(path);
    const before = bytesOf(path);
    const r = await runCli(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--work-dir", tempDir(), "--lock-timeout", "300"], { env: { STATUS_COMPAT_LOG_LEVEL: "warn" } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("stayed locked by another connection for more than 300 ms");
    expect(bytesOf(path)).toEqual(before);
  }, 90_000);
});
