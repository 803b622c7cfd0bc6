import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { runUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

/**
 * `migrate up --db FILE` creates a missing FILE. Stopped (Ctrl-C) or refused (a full disk) before
 * its commit, it left an empty FILE behind: a file that looks like a database at level 0, which
 * `migrate status` then shows, `upgrade` refuses as empty and an older release opens as new.
 * Nothing may be left, beside it either.
 */
describe("migrate up on a missing --db that does not commit leaves nothing", () => {
  test("Ctrl-C during its first migration: one line, the process ends by SIGINT, no file (nor -wal, -shm, lock) in the folder", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const go = join(tempDir(), "go");
    const child = spawn(process.execPath, [...nodeArgs("test/cli/support/paused-cli.ts"), "migrate", "up", "--db", path], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PAUSE_SQL: "^\\s*CREATE TABLE peers", PAUSE_GO: go },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => void child.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    const paused = new Promise<void>((resolve) =>
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString("utf8");
        if (stderr.includes("paused\n")) resolve();
      }),
    );
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    await Promise.race([paused, closed]);
    expect(stderr, "the child must stop at CREATE TABLE peers").toContain("paused\n");
    // The statement runs once the signal is on its way; the run then stops at its next stop point.
    child.kill("SIGINT");
    writeFileSync(go, "");
    const ended = await closed;
    expect(ended, stderr).toEqual({ code: null, signal: "SIGINT" });
    expect(readdirSync(dir)).toEqual([]);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n").at(-1)).toBe(`status-compat migrate: interrupted (SIGINT) before the commit; ${path} was not created`);
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ exists: false, level: 0 });
  }, 120_000);

  test("the disk refuses it (a 16 KiB file-size limit): E_STATE_IO, exit 4, naming FILE, and no file in the folder", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const r = await runUnderFileSizeLimit([process.execPath, ...nodeArgs("src/cli/run.ts"), "migrate", "up", "--db", path], 16 * 1024, { cwd: PROJECT_ROOT });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toMatch(/error\[E_STATE_IO\]: /);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toMatch(/\.new-\d+-/);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  test("a run that commits creates FILE at the newest level with nothing else of its own beside it", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const r = await runCliInProcess(["migrate", "up", "--db", path, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, before: { level: 0 }, after: { level: 3 } });
    expect(readdirSync(dir).filter((f) => !f.startsWith("state.sqlite"))).toEqual([]);
    const status = await runCliInProcess(["migrate", "status", "--db", path, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ exists: true, level: 3, problem: null });
  });
});
