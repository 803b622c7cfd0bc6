import { execFileSync, spawn } from "node:child_process";
import { accessSync, chmodSync, constants, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { onTestFinished } from "vitest";
import { nodeArgs } from "../../support/node-args.js";

export interface ReadOnlyFolder {
  /** The folder holding the copies; nothing can be created in it. */
  readonly dir: string;
  /** How it was made read-only (printed by the tests, so a run shows which way it went). */
  readonly how: "read-only bind mount" | "no write permission" | "no write permission, commands run as nobody";
  /** For a child process: the uid/gid to run it with (the third way: root ignores permissions). */
  readonly spawnAs: { uid?: number; gid?: number };
  /** A folder the command may write in (its --work-dir), writable by whoever `spawnAs` is. */
  readonly workDir: string;
}

const NOBODY = 65534;

function canMount(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0;
}

/**
 * `files` copied into a folder where no file can be created, the way a database on a read-only
 * file system is: a read-only bind mount when this process may mount (root on Linux). Otherwise a
 * folder without write permission, and when this process is root (who ignores permissions) the
 * commands under test run as nobody. Either way the folder is checked: a file cannot be made in it.
 */
export function readOnlyFolderWith(files: readonly string[]): ReadOnlyFolder {
  const base = mkdtempSync(join(tmpdir(), "scc-ro-"));
  chmodSync(base, 0o755);
  const src = join(base, "src");
  const ro = join(base, "ro");
  const workDir = join(base, "work");
  mkdirSync(src);
  mkdirSync(ro);
  mkdirSync(workDir);
  chmodSync(workDir, 0o777);
  for (const f of files) copyFileSync(f, join(src, basename(f)));
  let mounted = false;
  onTestFinished(() => {
    if (mounted) execFileSync("umount", [ro]);
    chmodSync(src, 0o755);
    rmSync(base, { recursive: true, force: true });
  });
  if (canMount()) {
    try {
      execFileSync("mount", ["--bind", src, ro], { stdio: "ignore" });
      mounted = true;
      execFileSync("mount", ["-o", "remount,bind,ro", ro], { stdio: "ignore" });
      assertNothingCanBeCreated(ro, {});
      return { dir: ro, how: "read-only bind mount", spawnAs: {}, workDir };
    } catch {
      if (mounted) execFileSync("umount", [ro]);
      mounted = false;
    }
  }
  for (const f of files) chmodSync(join(src, basename(f)), 0o444);
  chmodSync(src, 0o555);
  const spawnAs = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
  assertNothingCanBeCreated(src, spawnAs);
  return { dir: src, how: spawnAs.uid === undefined ? "no write permission" : "no write permission, commands run as nobody", spawnAs, workDir };
}

/** Creating a file in `dir`, as the commands will run, must fail; else the tests would prove nothing. */
function assertNothingCanBeCreated(dir: string, as: { uid?: number; gid?: number }): void {
  if (as.uid === undefined) {
    let writable = true;
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      writable = false;
    }
    if (writable) throw new Error(`${dir} is still writable`);
    return;
  }
  let created = true;
  try {
    execFileSync(process.execPath, ["-e", `require("fs").writeFileSync(${JSON.stringify(join(dir, "probe"))}, "")`], { ...as, stdio: "ignore" });
  } catch {
    created = false;
  }
  if (created) throw new Error(`${dir} is still writable by uid ${as.uid}`);
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a real process, as `folder` says the commands must run (as nobody when root cannot mount). */
export function runCliFor(folder: ReadOnlyFolder, args: readonly string[], projectRoot: string, env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return runScriptFor(folder, "src/cli/run.ts", args, projectRoot, env);
}

/** A TypeScript file of the project (`script`, from its root; compiled for this run) as a real process, run as `folder` says. */
export function runScriptFor(folder: ReadOnlyFolder, script: string, args: readonly string[], projectRoot: string, env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(script), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      ...folder.spawnAs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
