import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect, onTestFinished } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { nodeArgs } from "./node-args.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the CLI in this process (fast; for argument handling and output shape); `cwd` is the working folder main() is given. */
export async function runCliInProcess(args: string[], env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<CliResult> {
  // Loaded on first use: most files that import this one only spawn the CLI or read PROJECT_ROOT.
  // (main.js itself is light since commands load their modules when run: src/cli/commands/index.ts.)
  const { main } = await import("../../src/cli/main.js");
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, stderrIsTTY: false, env, cwd });
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export interface SpawnCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs the CLI as a real child process, the sources as compiled for this run (exit codes, signals, stdio). */
export function runCli(args: string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  return spawnCollecting(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], options);
}

/** Runs `command` with `args` under the options' cwd, env and timeout; its exit status and output. */
export function spawnCollecting(command: string, args: readonly string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal === null ? -1 : 128),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** A CLI process started by `startCli`: its output so far, and how it ended once it has. */
export interface StartedCli {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves the first time stderr holds `text` (never, if it never does: race it with `closed`). */
  stderrHas(text: string): Promise<void>;
}

/**
 * Starts the CLI as a real process (the sources as compiled for this run) and collects its output as it
 * comes, for tests that act while it runs (a signal at a known step). Killed after the test, so a
 * failed assertion before the interrupt, or a child that ignores it, leaves nothing running.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): StartedCli {
  const child = spawn(process.execPath, [...nodeArgs("src/cli/run.ts"), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  const output = { stdout: "", stderr: "" };
  const watchers: { text: string; seen: () => void }[] = [];
  child.stdout.on("data", (d: Buffer) => (output.stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => {
    output.stderr += d.toString("utf8");
    for (const w of [...watchers]) {
      if (output.stderr.includes(w.text)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.seen();
      }
    }
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  const stderrHas = (text: string): Promise<void> =>
    output.stderr.includes(text) ? Promise.resolve() : new Promise<void>((seen) => watchers.push({ text, seen }));
  return { child, output, closed, stderrHas };
}

/** Rows of `sql` in the state database of the CLI home `home`, opened read-only. */
export function journalRows(home: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const db = new Database(join(home, "state.sqlite"), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** A 3000-byte `<dir>/photo.jpg` put by `file put` into `<dir>/home`, and its reference: what a `file get` test fetches. */
export interface PutSample {
  dir: string;
  home: string;
  source: string;
  ref: string;
}

/** Puts the sample file through the CLI in process, into `dir`; fails the test if the put does. */
export async function putSample(dir: string): Promise<PutSample> {
  const home = join(dir, "home");
  const source = join(dir, "photo.jpg");
  writeFileSync(source, Buffer.alloc(3000, 7));
  const put = await runCliInProcess(["file", "put", source, "--home", home]);
  expect(put.code, put.stderr).toBe(EXIT.OK);
  return { dir, home, source, ref: (JSON.parse(put.stdout) as { base64: string }).base64 };
}
