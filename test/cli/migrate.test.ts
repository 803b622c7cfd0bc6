import { chmodSync, copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import Database from "better-sqlite3";
import { acquireMigrationLock, migrateState } from "../../src/state/index.js";
import { PROJECT_ROOT, runCli, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, STATE_FIXTURES } from "../state/support/files.js";
import { readOnlyFolderWith, runCliFor } from "../state/support/read-only-folder.js";
import { sharedFixture } from "../state/support/shared-fixture.js";
import { nodeArgs } from "../support/node-args.js";

describe("status-compat migrate", () => {
  test("status shows level, compat level, applied and pending migrations", async () => {
    const path = copyFixture(1, tempDir());
    const r = await runCliInProcess(["migrate", "status", "--db", path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/state level {6}1/);
    expect(r.stdout).toMatch(/compat level {5}1/);
    expect(r.stdout).toMatch(/applied:\n {4}0001_level1_waku_only/);
    expect(r.stdout).toMatch(/pending:\n {4}0002_level2_dual_path\n {4}0003_level3_codex_first/);
    expect(r.stdout).toMatch(/status {11}clean/);
    const json = JSON.parse((await runCliInProcess(["migrate", "status", "--db", path, "--json"])).stdout) as { level: number; pending: string[]; problem: unknown };
    expect(json).toMatchObject({ level: 1, pending: ["0002_level2_dual_path", "0003_level3_codex_first"], problem: null });
  });

  test("up --to stops at the named migration, up without --to finishes, down --to goes back", async () => {
    const path = copyFixture(1, tempDir());
    let r = await runCliInProcess(["migrate", "up", "--db", path, "--to", "0002_level2_dual_path"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/level 1 -> 2 \(compat level 1 -> 1\)\n {2}applied  0002_level2_dual_path/);
    r = await runCliInProcess(["migrate", "up", "--db", path, "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ before: { level: 2 }, after: { level: 3, compatLevel: 2 }, runs: [{ name: "0003_level3_codex_first", direction: "up" }] });
    r = await runCliInProcess(["migrate", "down", "--db", path, "--to", "0001_level1_waku_only"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/level 3 -> 1 \(compat level 2 -> 1\)\n {2}reverted 0003_level3_codex_first.*\n {2}reverted 0002_level2_dual_path/);
    // Level 0 has no place for the fixture's settings, peers, communities, ...: only on request.
    r = await runCliInProcess(["migrate", "down", "--db", path]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("error[E_STATE_DATA_LOSS]");
    r = await runCliInProcess(["migrate", "down", "--db", path, "--discard-data"]);
    expect(r.stdout).toMatch(/level 1 -> 0/);
  });

  test("a file from the future, a locked file and a non-database exit 4 with their codes", async () => {
    const dir = tempDir();
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "x".repeat(2048));
    let r = await runCliInProcess(["migrate", "up", "--db", notes]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error\[E_STATE_NOT_A_DATABASE\]/);

    const path = copyFixture(1, dir);
    const lock = await acquireMigrationLock(path);
    r = await runCliInProcess(["migrate", "up", "--db", path, "--lock-timeout", "100"]);
    lock.release();
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error\[E_STATE_LOCKED\]: another process is migrating/);

    const ro = copyFixture(2, dir, "ro.sqlite");
    chmodSync(ro, 0o444);
    const hash = sha256File(ro);
    r = await runCliInProcess(["migrate", "up", "--db", ro]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error\[E_STATE_READ_ONLY\]/);
    expect(sha256File(ro)).toBe(hash);
  });

  test("status of a dirty file reports the problem and exits 4", async () => {
    const path = copyFixture(1, tempDir());
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(path);
    db.exec("DROP INDEX inline_attachments_by_message");
    db.close();
    const r = await runCliInProcess(["migrate", "status", "--db", path]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/refused: error\[E_STATE_DIRTY\]: .*table inline_attachments: indexes differ/);
  });

  test("up with --db in a missing folder is a usage error (exit 2) saying the folder does not exist, nothing created; it exited 4 with E_STATE_READ_ONLY, 'read-only (or its folder is)', sending the user to fix permissions", async () => {
    const dir = tempDir();
    const db = join(dir, "missing", "state.sqlite");
    const r = await runCliInProcess(["migrate", "up", "--db", db]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error[E_USAGE]: migrate: the folder of --db ${db} does not exist`);
    expect(r.stderr).not.toContain("read-only");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("usage errors exit 2", async () => {
    expect((await runCliInProcess(["migrate", "sideways", "--db", "x"])).code).toBe(2);
    expect((await runCliInProcess(["migrate", "up"])).stderr).toMatch(/--db is required/);
    expect((await runCliInProcess(["migrate", "up", "--db", "x", "--to", "0"])).code).toBe(2);
    expect((await runCliInProcess(["migrate", "status", "--db", "x", "--to", "0002_level2_dual_path"])).code).toBe(2);
  });

  test("--to '' (a script's unset $TARGET) is a usage error (exit 2) saying it was empty, before the file is opened; it was E_STATE_LEVEL_UNKNOWN 'no migration named  in this build', exit 4 (state refused)", async () => {
    const path = copyFixture(3, tempDir());
    const hash = sha256File(path);
    for (const action of ["up", "down"]) {
      const r = await runCliInProcess(["migrate", action, "--db", path, "--to", "", "--dry-run"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error[E_USAGE]: migrate ${action}: --to needs a migration name (it was empty)`);
    }
    expect(sha256File(path)).toBe(hash);
  });

  test("as a real process: exit statuses reach the shell", async () => {
    const path = copyFixture(3, tempDir());
    const ok = await runCli(["migrate", "status", "--db", path]);
    expect(ok.code).toBe(0);
    const unknown = await runCli(["migrate", "down", "--db", path, "--to", "0009_nope"]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no migration named 0009_nope/);
  });

  test("status of a WAL database where no file can be created beside it (a read-only file system): it reads it (exit 0, its level, clean), creates nothing there and leaves nothing in TMPDIR; it failed with E_STATE_IO 'unable to open database file' (exit 4), SQLite needing a -shm beside it even to read", async () => {
    const folder = readOnlyFolderWith([join(STATE_FIXTURES, "level2.sqlite")]);
    const path = join(folder.dir, "level2.sqlite");
    const hash = sha256File(path);
    const r = await runCliFor(folder, ["migrate", "status", "--db", path, "--json"], PROJECT_ROOT, { TMPDIR: folder.workDir });
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, level: 2, compatLevel: 1, pending: ["0003_level3_codex_first"], problem: null });
    expect(readdirSync(folder.dir)).toEqual(["level2.sqlite"]);
    // tsx keeps its cache in TMPDIR too.
    expect(readdirSync(folder.workDir).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });

  test("status of a WAL database with commits still in its -wal, where no file can be created beside it: the level those commits reached is shown", async () => {
    const dir = tempDir();
    const path = copyFixture(2, dir);
    // A reader keeps the WAL from being checkpointed into the file; the two files copied then are
    // what an app killed after its upgrade leaves: level 3 only in the -wal.
    const reader = new Database(path, { readonly: true });
    try {
      reader.prepare("SELECT count(*) FROM peers").get();
      await migrateState({ path, direction: "up" });
      const image = tempDir();
      copyFileSync(path, join(image, "state.sqlite"));
      copyFileSync(`${path}-wal`, join(image, "state.sqlite-wal"));
      const folder = readOnlyFolderWith([join(image, "state.sqlite"), join(image, "state.sqlite-wal")]);
      const r = await runCliFor(folder, ["migrate", "status", "--db", join(folder.dir, "state.sqlite"), "--json"], PROJECT_ROOT, { TMPDIR: folder.workDir });
      expect(r.code, `${folder.how}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ level: 3, compatLevel: 2, pending: [], problem: null });
      expect(readdirSync(folder.dir).sort()).toEqual(["state.sqlite", "state.sqlite-wal"]);
    } finally {
      reader.close();
    }
  });

  test("Ctrl-C while status copies a WAL database it cannot read where it is (a read-only file system): the copy is removed and the command ends by SIGINT; the process died at once and left the copy (the database's size) in TMPDIR", async () => {
    const big = join(tempDir(), "big.sqlite");
    // The 200,000 rows other files copy too, written once per run (not again for this file).
    copyFileSync(await sharedFixture({ level: 1, rows: 200_000 }), big);
    const folder = readOnlyFolderWith([big]);
    const path = join(folder.dir, "big.sqlite");
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "migrate", "status", "--db", path], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: folder.workDir },
      stdio: ["ignore", "pipe", "pipe"],
      ...folder.spawnAs,
    });
    onTestFinished(() => void child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const staged = (): boolean => readdirSync(folder.workDir).some((f) => f.startsWith("big.sqlite.read-only-"));
    let done = false;
    void ended.then(() => (done = true));
    while (!done && !staged()) await sleep(2);
    expect(done, `${folder.how}: the copy never appeared: ${stderr}`).toBe(false);
    child.kill("SIGINT");
    expect(await ended, stderr).toEqual({ code: null, signal: "SIGINT" });
    expect(readdirSync(folder.workDir).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
    expect(stderr.trimEnd().split("\n").at(-1)).toBe(`status-compat migrate: interrupted (SIGINT); nothing was left behind`);
  }, 60_000);
});
