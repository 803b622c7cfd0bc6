import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, statSync, watch } from "node:fs";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { main } from "../../src/cli/main.js";
import { PROJECT_ROOT, runCli, runCliInProcess } from "../support/cli.js";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";
import { overwrite } from "../state/support/corrupt.js";
import { copyFixture, sha256File, siblings, STATE_FIXTURES } from "../state/support/files.js";
import { readOnlyFolderWith, runCliFor } from "../state/support/read-only-folder.js";
import { nodeArgs } from "../support/node-args.js";

describe("status-compat upgrade", () => {
  test("--dry-run prints one status line per check and a verdict; the original file's bytes do not change", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const files = siblings(path);
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    for (const title of [
      "source file at level 1, compat level 1",
      "copies made with the SQLite backup API",
      "quick_check and foreign_key_check before migrating",
      "migration 0002_level2_dual_path (protocol 2)",
      "migration 0003_level3_codex_first (protocol 3)",
      "row counts of existing tables unchanged",
      "PRAGMA integrity_check",
      "PRAGMA foreign_key_check",
      "schema matches level 3",
      "release 0.1.0 refuses the upgraded file",
      "release 0.2.0 (level 2) queries run on the upgraded file",
      "release 0.3.0 (level 3) queries run on the upgraded file",
      "down 0003_level3_codex_first",
      "down 0002_level2_dual_path",
      "down brings the data back equal (level 1)",
    ]) {
      expect(lines.some((l) => l.startsWith(title) && / ok /.test(l)), title).toBe(true);
    }
    expect(r.stdout).toMatch(/^ {2}peers +99 +99 +99$/m);
    expect(lines.filter((l) => l.startsWith("Verdict: "))).toEqual(["Verdict: OK: upgrade 0.1.0 -> 0.3.0 is safe to run; the original file was not written"]);
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("--json is one document with every check and the migrations' times", async () => {
    const path = copyFixture(2, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: string; dryRun: boolean; migrations: { name: string; durationMs: number }[]; checks: { id: string }[] };
    expect(report).toMatchObject({ verdict: "ok", dryRun: true });
    expect(report.migrations.map((m) => m.name)).toEqual(["0003_level3_codex_first"]);
    expect(report.checks.map((c) => c.id)).toContain("queries:0.2.0");
  });

  test("without --dry-run it upgrades the file for real after the checks", async () => {
    const path = copyFixture(1, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", path, "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^upgraded level1\.sqlite to level 2\.+ ok/m);
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ level: 2 });
  });

  test("a file the --from release cannot be using: exit 1 and a FAILED verdict", async () => {
    const path = copyFixture(3, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Verdict: FAILED: 1 check\(s\) failed \(source\)/m);
  });

  test("bad release strings exit 3 with the release table's error; missing options exit 2", async () => {
    const path = copyFixture(1, tempDir());
    const bad = await runCli(["upgrade", "--from", "banana", "--to", "0.3.0", "--db", path, "--dry-run"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/error\[E_RELEASE_INVALID\]: "banana" is not a release version/);
    const unknown = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "7.0.0", "--db", path, "--dry-run"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/E_RELEASE_UNKNOWN/);
    expect((await runCliInProcess(["upgrade", "--from", "0.1.0", "--db", path])).code).toBe(2);
  });

  test("without --dry-run, on a database an app's storage client holds: refused before rehearsing, exit 4 (state refused: locked) naming E_STATE_LOCKED, nothing written; it rehearsed first and then failed its apply line (and before that exited 1, 'a check failed', as if the upgrade were unsafe)", async () => {
    const { LockFile, clientLockPathOf } = await import("../../src/state/index.js");
    const path = copyFixture(1, tempDir());
    const app = LockFile.open(clientLockPathOf(path));
    expect(app.tryTake()).toBe(true);
    let r;
    try {
      r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--work-dir", tempDir()]);
    } finally {
      app.release();
    }
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error[E_STATE_LOCKED]: a storage client is using ${path}`);
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ level: 1 });
  });

  test("--dry-run, and the real upgrade, of an original damaged where the rehearsal's own reads meet it: exit 4 with E_STATE_CORRUPT naming it, the original untouched; it was an internal error (exit 70), SQLite's 'malformed' and a stack", async () => {
    const path = copyFixture(1, tempDir());
    overwrite(path, 4096, Buffer.from("garbage".repeat(9)));
    const hash = sha256File(path);
    const files = siblings(path);
    for (const dry of [["--dry-run"], []]) {
      const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", path, ...dry, "--work-dir", tempDir()]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain(`error[E_STATE_CORRUPT]: ${path} is corrupt`);
      expect(r.stderr).not.toMatch(/internal error|    at /);
    }
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("--to older than --from is a usage error (exit 2) pointing at migrate down, the file untouched; it exited 4, 'the state database refused', with E_STATE_LEVEL_UNKNOWN, though the database refused nothing", async () => {
    const path = copyFixture(3, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["upgrade", "--from", "0.3.0", "--to", "0.1.0", "--db", path, "--dry-run"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[E_USAGE\]: upgrade: --to 0\.1\.0 is older than --from 0\.3\.0; a rollback is `status-compat migrate down`/);
    expect(r.stdout).toBe("");
    expect(sha256File(path)).toBe(hash);
  });

  test("an empty --work-dir (an unset shell variable) is a usage error (exit 2) saying so, nothing rehearsed; it was the current folder, where the copies (twice the database) went instead of the OS temp folder", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const cwd = join(dir, "cwd");
    mkdirSync(cwd);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    const seen: string[] = [];
    // What the rehearsal puts in the current folder while it runs.
    const watcher = watch(cwd, (_event, name) => void (name !== null && seen.push(name)));
    let code: number;
    try {
      code = await main(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", ""], { stdout, stderr, stderrIsTTY: false, env: process.env, cwd });
    } finally {
      watcher.close();
    }
    expect(code, err).toBe(2);
    expect(err).toContain("error[E_USAGE]: upgrade: --work-dir needs a folder (it was empty)");
    expect(out).toBe("");
    expect(seen).toEqual([]);
  });

  test("a --work-dir that does not exist, or is a file, is a usage error (exit 2) naming it, with the original untouched; it was an internal error (exit 70) with a stack", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const hash = sha256File(path);
    for (const workDir of [`${dir}/missing`, path]) {
      const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", workDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("error[E_USAGE]");
      expect(r.stderr).toContain(`--work-dir ${workDir}`);
      expect(r.stdout).toBe("");
    }
    expect(sha256File(path)).toBe(hash);
  });

  test("Ctrl-C during the rehearsal: one line on stderr, ends by SIGINT (130), the copies are removed and the original is untouched; the copies (each the size of the database) stayed in the work folder and the process died without a word", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const fixture = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "100000", "--out", path]);
    expect(fixture.code, fixture.stderr).toBe(0);
    const hash = sha256File(path);
    const work = join(dir, "work");
    await import("node:fs").then((fs) => fs.mkdirSync(work));
    const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), "upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => void child.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20_000;
    while (readdirSync(work).length === 0 && Date.now() < deadline) await sleep(10);
    expect(readdirSync(work).length, stderr).toBeGreaterThan(0);
    child.kill("SIGINT");
    const ended = await closed;
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n").at(-1)).toMatch(/^status-compat upgrade: interrupted \(SIGINT\); the rehearsal copies are removed and .*state\.sqlite was not changed/);
    expect(ended, stderr).toEqual({ code: null, signal: "SIGINT" });
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  }, 60_000);

  test("--dry-run of a WAL database where no file can be created beside it (a read-only file system): the rehearsal runs, every check passing, and its apply line says the real upgrade would be refused, E_STATE_READ_ONLY, exit 4 as the real run (it said OK, exit 0, which the real run then refused); nothing is created beside the original and the work folder is left empty; it failed with E_STATE_IO 'unable to open database file' (exit 4)", async () => {
    const folder = readOnlyFolderWith([join(STATE_FIXTURES, "level1.sqlite")]);
    const path = join(folder.dir, "level1.sqlite");
    const hash = sha256File(path);
    const r = await runCliFor(folder, ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--json", "--work-dir", folder.workDir], PROJECT_ROOT);
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(4);
    const report = JSON.parse(r.stdout) as { verdict: string; checks: { id: string; status: string; code?: string }[]; tables: { table: string; before: number | null }[] };
    expect(report.verdict).toBe("failed");
    expect(report.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.code])).toEqual([["apply", "E_STATE_READ_ONLY"]]);
    expect(report.checks.find((c) => c.id === "down-data")?.status).toBe("ok");
    expect(report.tables.find((t) => t.table === "peers")?.before).toBe(99);
    expect(readdirSync(folder.dir)).toEqual(["level1.sqlite"]);
    expect(readdirSync(folder.workDir)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });

  test("a --work-dir where no file can be created (a read-only file system) is a usage error (exit 2) naming it, the original untouched; it was an internal error (exit 70) with EROFS's stack", async () => {
    const folder = readOnlyFolderWith([]);
    // The database sits in the folder the command may write (as whoever it runs as).
    const path = copyFixture(1, folder.workDir);
    chmodSync(path, 0o666);
    const hash = sha256File(path);
    const r = await runCliFor(folder, ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", folder.dir], PROJECT_ROOT);
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toContain(`error[E_USAGE]: upgrade: --work-dir ${folder.dir} is a folder where files cannot be created`);
    expect(r.stdout).toBe("");
    expect(readdirSync(folder.dir)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });

  test("--dry-run whose work folder is too small (no file there may grow past 16 KiB more than the database): exit 4 and a verdict saying the rehearsal could not finish, copies removed, original untouched; it exited 1 with 'FAILED (down)', telling a release script the rollback of the upgrade is broken", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const hash = sha256File(path);
    const work = join(dir, "work");
    mkdirSync(work);
    const r = await runCliUnderFileSizeLimit(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], statSync(path).size + 16 * 1024);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/^Verdict: FAILED: the rehearsal could not finish: [a-z-]+(, [a-z-]+)* failed with an I\/O error in the work folder \(SQLITE_[A-Z_]+(, [A-Z_]+)*; is it full\?\); this says nothing about the upgrade; the original file was not changed$/m);
    expect(r.stderr).toMatch(/^status-compat upgrade: the rehearsal could not finish \(an I\/O error in the work folder: is it full\?\); nothing is known about the upgrade/m);
    expect(readdirSync(work)).toEqual([]);
    expect(sha256File(path)).toBe(hash);
  });
});
